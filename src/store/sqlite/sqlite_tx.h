// The Tx of the SQLite backend: the store.h operations as prepared statements on one connection.
// Internal to the SQLite backend; SqliteStore opens and ends the transaction around it.
#pragma once

#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace privacyd {

// A list kept in one TEXT column, its items joined by commas (a request's rights, a disclosure's
// categories: names that hold no comma).
std::string JoinList(const std::vector<std::string>& items);
std::vector<std::string> SplitList(const std::string& text);

class SqliteTx final : public Tx {
 public:
  // `conn` must have a transaction open for the lifetime of this Tx. A read-only Tx refuses
  // every write method with kFailedPrecondition "read_only_transaction".
  SqliteTx(SqliteConnection& conn, bool read_only) : conn_(conn), read_only_(read_only) {}

  Status InsertSubject(const SubjectRecord& subject) override;
  Result<std::optional<SubjectRecord>> GetSubject(const std::string& id) override;
  Status MarkSubjectErased(const std::string& id, Micros at) override;
  Status SetSubjectRestricted(const std::string& id, std::optional<Micros> at) override;
  Status SetSubjectRegime(const std::string& id, const std::string& regime) override;
  Result<int64_t> AppendConsentEvent(const ConsentEventRecord& record) override;
  Result<std::vector<ConsentEventRecord>> ListConsentEvents(const std::string& subject_id) override;
  Status InsertReferral(const ReferralRecord& referral) override;
  Result<std::optional<ReferralRecord>> GetReferral(const std::string& blind_index) override;
  Status MarkReferralSent(const std::string& blind_index, Micros at) override;
  Result<std::vector<ReferralRecord>> ListReferralsBy(const std::string& referrer_id) override;
  Result<int64_t> DeleteReferralAddresses(const std::string& referrer_id) override;
  Status AddSuppression(const SuppressionRecord& record) override;
  Result<std::optional<SuppressionRecord>> FindSuppression(const std::string& kind,
                                                           const std::string& blind_index) override;
  Result<std::optional<Micros>> EarliestSuppressionOfSubject(
      const std::string& subject_id) override;
  Result<std::vector<SuppressionRecord>> ListSuppressions(const std::string& after_kind,
                                                          const std::string& after_blind_index,
                                                          int limit) override;
  Result<int64_t> CountSuppressions() override;
  Status InsertImport(const ImportRecord& record) override;
  Result<std::vector<ImportRecord>> ListImports(int64_t before_seq, int limit) override;
  Result<std::optional<ImportRecord>> FindImport(const std::string& id) override;
  Result<std::optional<SubjectRecord>> FindSubjectRecordByIdentity(
      const std::string& kind, const std::string& blind_index) override;

  Status InsertIdentity(const IdentityRecord& identity) override;
  Result<std::optional<std::string>> FindSubjectByIdentity(const std::string& kind,
                                                           const std::string& blind_index) override;
  Result<std::vector<IdentityRecord>> ListIdentities(const std::string& subject_id) override;
  Result<std::vector<IdentityRecord>> ListIdentitiesOfKind(const std::string& kind,
                                                           const std::string& after_subject_id,
                                                           int limit) override;

  Status DeleteIdentity(const std::string& kind, const std::string& blind_index) override;
  Result<std::vector<ConsentChangeRecord>> ListConsentChanges(int64_t after_seq,
                                                              int limit) override;
  Result<int64_t> LastConsentChange() override;
  Result<int64_t> PruneConsentChanges(int64_t through_seq) override;
  Status ScanSubjects(const std::function<Status(const SubjectRecord&)>& fn) override;
  Status ScanIdentityIndexes(const std::function<Status(const IdentityRecord&)>& fn) override;
  Status ScanConsentEvents(const std::function<Status(const ConsentEventRecord&)>& fn) override;
  Status ScanSuppressions(const std::function<Status(const SuppressionRecord&)>& fn) override;

  Result<int64_t> InsertAttribute(const AttributeRecord& attribute) override;
  Result<std::vector<AttributeRecord>> ListAttributes(const std::string& subject_id) override;
  Status DeleteSubjectData(const std::string& subject_id) override;
  Status DeleteAttribute(const std::string& subject_id, int64_t id) override;
  Status UpdateAttribute(const AttributeRecord& attribute) override;
  Status ClearIdentityValue(const std::string& subject_id, const std::string& kind) override;
  Status DeleteDataKey(const std::string& subject_id) override;

  Status InsertVerificationCode(const VerificationCodeRecord& code) override;
  Result<std::optional<VerificationCodeRecord>> LatestVerificationCode(
      const std::string& purpose, const std::string& blind_index) override;
  Result<int64_t> CountVerificationCodesSince(const std::string& purpose,
                                              const std::string& blind_index,
                                              Micros since) override;
  Status CountVerificationAttempt(const std::string& id) override;
  Status MarkVerificationCodeUsed(const std::string& id, Micros at) override;
  Result<int64_t> DeleteVerificationCodesOf(const std::string& purpose,
                                            const std::string& blind_index, Micros created_until,
                                            Micros now) override;
  Result<int64_t> DeleteExpiredVerificationCodes(Micros before, int limit) override;

  Status PutDataKey(const DataKeyRecord& key) override;
  Result<std::optional<DataKeyRecord>> GetDataKey(const std::string& subject_id) override;
  Result<std::vector<DataKeyRecord>> ListDataKeysNotWrappedBy(const std::string& master_key_id,
                                                              int limit) override;

  Status PutMeta(const std::string& name, const std::string& value) override;
  Result<std::optional<std::string>> GetMeta(const std::string& name) override;

  Result<std::optional<AuditRecord>> LastAudit() override;
  Status AppendAudit(const AuditRecord& record) override;
  Result<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) override;

  Status InsertUser(const UserRecord& user) override;
  Result<std::optional<UserRecord>> GetUserByName(const std::string& name) override;
  Result<std::optional<UserRecord>> GetUserById(const std::string& id) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Status SetUserDisabled(const std::string& user_id, bool disabled) override;
  Status SetUserPassword(const std::string& user_id, const std::string& hash) override;

  Status InsertToken(const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> GetToken(const std::string& id) override;
  Result<std::vector<TokenRecord>> ListTokens(const std::string& user_id) override;
  Status RevokeToken(const std::string& id, Micros at) override;
  Status InsertStaffSession(const StaffSessionRecord& session) override;
  Result<std::optional<StaffSessionRecord>> GetStaffSession(const std::string& id) override;
  Result<std::vector<StaffSessionRecord>> ListStaffSessions(const std::string& user_id) override;
  Status TouchStaffSession(const std::string& id, Micros at) override;
  Status EndStaffSession(const std::string& id, Micros at, const std::string& reason) override;
  Status DeleteStaffSession(const std::string& id) override;

  Result<int64_t> EnqueueJob(const JobRecord& job) override;
  Result<std::optional<JobRecord>> GetJob(int64_t id) override;
  Result<std::optional<JobRecord>> ClaimJob(const std::vector<std::string>& kinds,
                                            const std::string& worker, Micros now,
                                            Micros lease) override;
  Status HeartbeatJob(int64_t id, const std::string& worker, Micros now) override;
  Status CompleteJob(int64_t id, const std::string& worker, Micros now) override;
  Status FailJob(int64_t id, const std::string& worker, Micros now, const std::string& error,
                 std::optional<Micros> retry_at) override;
  Result<std::vector<JobRecord>> ListJobs(std::optional<JobState> state, int limit) override;
  Result<std::vector<JobRecord>> ListJobsOfKinds(const std::vector<std::string>& kinds,
                                                 std::optional<JobState> state, int64_t after_id,
                                                 int limit) override;
  Result<std::vector<JobRecord>> ListJobsWithKeyPrefix(const std::string& prefix,
                                                       int limit) override;
  Result<int64_t> CountJobs(JobState state) override;

  Result<std::optional<IdempotencyRecord>> InsertIdempotencyKey(
      const IdempotencyRecord& record) override;
  Result<std::optional<IdempotencyRecord>> GetIdempotencyKey(const std::string& principal,
                                                             const std::string& key) override;
  Status CompleteIdempotencyKey(const IdempotencyRecord& record) override;
  Status DeleteIdempotencyKey(const std::string& principal, const std::string& key,
                              Micros created_at) override;
  Result<int64_t> DeleteExpiredIdempotencyKeys(Micros now, int limit) override;

  Status InsertPolicyVersion(const PolicyVersionRecord& record) override;
  Result<std::optional<PolicyVersionRecord>> GetPolicyVersion(const std::string& version) override;
  Result<std::vector<PolicyVersionRecord>> ListPolicyVersions() override;

  Status InsertRequest(const RequestRecord& record) override;
  Result<std::optional<RequestRecord>> GetRequest(const std::string& id) override;
  Status UpdateRequest(const RequestRecord& record) override;
  Result<std::vector<RequestRecord>> ListOpenRequestsOf(const std::string& identity_kind,
                                                        const std::string& blind_index) override;
  Result<std::vector<RequestRecord>> ListRequests(const RequestQuery& query) override;
  Result<std::vector<RequestRecord>> ListClosedRequests(Micros closed_until, int limit) override;
  Result<std::vector<std::pair<std::string, int64_t>>> CountRequestsByState() override;
  Result<int64_t> CountOverdueRequests(Micros now) override;
  Status DeleteRequest(const std::string& id) override;
  Status PutRequestIdentity(const RequestIdentityRecord& record) override;
  Result<std::vector<RequestIdentityRecord>> ListRequestIdentities(
      const std::string& request_id) override;
  Status AttestRequestIdentity(const std::string& request_id, const std::string& kind, Micros at,
                               const std::string& by) override;
  Result<int64_t> AppendRequestEvent(const RequestEventRecord& record) override;
  Result<std::vector<RequestEventRecord>> ListRequestEvents(const std::string& request_id) override;
  Status PutRequestPackage(const RequestPackageRecord& record) override;
  Result<std::optional<RequestPackageRecord>> GetRequestPackage(
      const std::string& request_id) override;
  Result<bool> DeleteRequestPackage(const std::string& request_id) override;
  Result<int64_t> InsertDisclosure(const DisclosureRecord& record) override;
  Result<std::vector<DisclosureRecord>> ListDisclosures(const std::string& subject_id) override;

 private:
  Status CheckWritable() const;

  SqliteConnection& conn_;
  const bool read_only_;
};

}  // namespace privacyd
