#include "registry/subject_registry.h"

#include <nlohmann/json.hpp>

#include "crypto/sealing.h"
#include "registry/identity.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

constexpr size_t kMaxAttributeBytes = 64 * 1024;
constexpr size_t kMaxAttributes = 200;
constexpr char kKeyPurpose[] = "subject";

std::string IdentityContext(const std::string& subject_id, const std::string& kind) {
  return "identity:" + subject_id + ":" + kind;
}
std::string AttributeContext(const std::string& subject_id, const std::string& name) {
  return "attribute:" + subject_id + ":" + name;
}

bool ValidAttributeName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Status ValidateAttributes(const std::vector<std::pair<std::string, std::string>>& attributes) {
  if (attributes.size() > kMaxAttributes) {
    return Error(ErrorKind::kInvalidArgument, "invalid_attribute",
                 "at most 200 attributes are stored at once");
  }
  for (const auto& [name, value] : attributes) {
    if (!ValidAttributeName(name)) {
      return Error(ErrorKind::kInvalidArgument, "invalid_attribute",
                   "attribute names are 1 to 64 characters of a-z, 0-9 and '_'");
    }
    if (value.size() > kMaxAttributeBytes) {
      return Error(ErrorKind::kInvalidArgument, "invalid_attribute",
                   "attribute '" + name + "' is longer than 64 KiB");
    }
  }
  return Ok();
}

// Normalised (kind, value) pairs, at most one per kind.
Result<std::vector<std::pair<std::string, std::string>>> NormalizeIdentities(
    const std::vector<IdentityValue>& given) {
  std::vector<std::pair<std::string, std::string>> identities;
  for (const auto& id : given) {
    PD_ASSIGN_OR_RETURN(std::string normalized, NormalizeIdentity(id.kind, id.value));
    for (const auto& seen : identities) {
      if (seen.first == id.kind) {
        return Error(ErrorKind::kInvalidArgument, "invalid_subject",
                     "give at most one identity of each kind");
      }
    }
    identities.emplace_back(id.kind, std::move(normalized));
  }
  return identities;
}

Error SubjectNotFound() {
  return Error(ErrorKind::kNotFound, "subject_not_found",
               "no subject has this id (it may have been erased)");
}

AuditEvent Event(const AccessContext& ctx, std::string action, std::string object,
                 std::string detail = "") {
  return AuditEvent{ctx.principal.user_name, ctx.principal.role, std::move(action),
                    std::move(object),       ctx.purpose,        ctx.request_id,
                    std::move(detail)};
}

}  // namespace

bool IsSelfAsserted(const std::string& provenance) {
  auto p = nlohmann::json::parse(provenance, nullptr, /*allow_exceptions=*/false);
  if (!p.is_object()) return false;
  if (p.value("rectified_by", "") == "subject") return true;
  return p.value("source", "") == "direct" && !p.contains("via") && !p.contains("import");
}

Status SubjectRegistry::CheckRole(const AccessContext& ctx) const {
  if (!RoleIn(ctx.principal.role, SubjectDataRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not access subjects' personal data");
  }
  return Ok();
}

Result<SubjectView> SubjectRegistry::Create(const AccessContext& ctx, const NewSubject& input) {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  if (input.identities.empty()) {
    return Error(ErrorKind::kInvalidArgument, "invalid_subject",
                 "a subject needs at least one identity (email, phone or customer_id)");
  }
  // Validate everything before touching the store: refused data is never written.
  PD_ASSIGN_OR_RETURN(auto identities, NormalizeIdentities(input.identities));
  PD_RETURN_IF_ERROR(ValidateAttributes(input.attributes));

  const Micros now = clock_.Now();
  SubjectView view;
  view.id = NewTimeOrderedId(random_, now, "sub");
  view.created_at = now;
  SecretBytes data_key = NewSymmetricKey(random_);
  nlohmann::json provenance = {{"source", "staff:" + ctx.principal.user_name},
                               {"channel", "admin_api"},
                               {"purpose", ctx.purpose}};
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject({view.id, now, std::nullopt}));
    PD_RETURN_IF_ERROR(tx.PutDataKey({view.id, keyring_->wrapping_key_id(),
                                      keyring_->Wrap(kKeyPurpose, view.id, data_key, random_)}));
    for (const auto& [kind, value] : identities) {
      std::string index = keyring_->BlindIndex(kind, value);
      PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity(kind, index));
      if (owner) {
        return Error(ErrorKind::kAlreadyExists, "identity_exists",
                     "the " + kind + " identity already belongs to subject " + *owner);
      }
      PD_RETURN_IF_ERROR(
          tx.InsertIdentity({view.id, kind, index,
                             Seal(data_key, value, IdentityContext(view.id, kind), random_), now}));
    }
    for (const auto& [name, value] : input.attributes) {
      AttributeRecord a;
      a.subject_id = view.id;
      a.name = name;
      a.sealed_value = Seal(data_key, value, AttributeContext(view.id, name), random_);
      a.provenance = provenance.dump();
      a.created_at = now;
      PD_RETURN_IF_ERROR(tx.InsertAttribute(a));
    }
    nlohmann::json detail = {{"identity_kinds", nlohmann::json::array()},
                             {"attributes", input.attributes.size()}};
    for (const auto& id : identities) detail["identity_kinds"].push_back(id.first);
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, Event(ctx, "subject.create", "subject:" + view.id, detail.dump())));
    return Ok();
  }));
  for (const auto& [kind, value] : identities) view.identities.push_back({kind, value});
  for (const auto& [name, value] : input.attributes) {
    view.attributes.push_back({name, value, provenance.dump(), now});
  }
  return view;
}

Result<CollectedInto> SubjectRegistry::Collect(const AccessContext& ctx, const Collected& data) {
  if (data.identities.empty()) {
    return Error(ErrorKind::kInvalidArgument, "invalid_subject",
                 "collected data needs at least one identity (email, phone or customer_id)");
  }
  PD_ASSIGN_OR_RETURN(auto identities, NormalizeIdentities(data.identities));
  PD_RETURN_IF_ERROR(ValidateAttributes(data.attributes));
  // Blind indexes before the transaction, which group commit shares with other writers.
  std::vector<std::string> indexes;
  for (const auto& [kind, value] : identities) {
    indexes.push_back(keyring_->BlindIndex(kind, value));
  }
  const Micros now = clock_.Now();
  const std::string new_id = NewTimeOrderedId(random_, now, "sub");
  SecretBytes new_key = NewSymmetricKey(random_);

  return WriteValue<CollectedInto>(store_, [&](Tx& tx) -> Result<CollectedInto> {
    CollectedInto into;
    // Whose data is this? The first identity that a live subject holds decides.
    std::vector<std::optional<std::string>> owners;
    bool erased = false;
    bool restricted = false;
    for (size_t i = 0; i < identities.size(); ++i) {
      PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity(identities[i].first, indexes[i]));
      if (owner) {
        PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(*owner));
        erased = erased || (subject && subject->erased_at);
        if (subject && !subject->erased_at && into.subject_id.empty()) {
          into.subject_id = *owner;
          restricted = subject->restricted_at.has_value();
        }
      }
      if (data.third_party) {
        PD_ASSIGN_OR_RETURN(auto suppressed, tx.FindSuppression(identities[i].first, indexes[i]));
        if (suppressed) into.skipped = "objected";
      }
      owners.push_back(std::move(owner));
    }
    if (data.third_party && into.skipped.empty()) {
      if (erased) {
        into.skipped = "erased";
      } else if (restricted) {
        into.skipped = "restricted";
      } else if (into.subject_id.empty() && !data.add_unknown) {
        into.skipped = "unknown_person";
      }
    }
    if (!into.skipped.empty()) {
      into.subject_id.clear();
      return into;
    }
    SecretBytes key;
    if (into.subject_id.empty()) {
      into.subject_id = new_id;
      into.created = true;
      key = new_key;
      PD_RETURN_IF_ERROR(tx.InsertSubject({new_id, now, std::nullopt, std::nullopt, data.regime}));
      PD_RETURN_IF_ERROR(tx.PutDataKey({new_id, keyring_->wrapping_key_id(),
                                        keyring_->Wrap(kKeyPurpose, new_id, new_key, random_)}));
    } else {
      if (!data.regime.empty()) {
        PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(into.subject_id));
        if (subject && subject->regime.empty()) {
          PD_RETURN_IF_ERROR(tx.SetSubjectRegime(into.subject_id, data.regime));
        }
      }
      PD_ASSIGN_OR_RETURN(auto key_row, tx.GetDataKey(into.subject_id));
      if (!key_row) return SubjectNotFound();
      PD_ASSIGN_OR_RETURN(key, keyring_->Unwrap(kKeyPurpose, into.subject_id,
                                                key_row->master_key_id, key_row->wrapped));
    }
    const std::string& id = into.subject_id;
    for (size_t i = 0; i < identities.size(); ++i) {
      const auto& [kind, value] = identities[i];
      if (owners[i] && *owners[i] == id) continue;
      if (owners[i]) {
        into.unlinked.push_back(kind);
        continue;
      }
      PD_RETURN_IF_ERROR(tx.InsertIdentity(
          {id, kind, indexes[i], Seal(key, value, IdentityContext(id, kind), random_), now}));
    }
    for (const auto& [name, value] : data.attributes) {
      AttributeRecord a;
      a.subject_id = id;
      a.name = name;
      a.sealed_value = Seal(key, value, AttributeContext(id, name), random_);
      a.provenance = data.provenance;
      a.created_at = now;
      PD_RETURN_IF_ERROR(tx.InsertAttribute(a));
    }
    for (const auto& address : data.referred_emails) {
      const std::string index = keyring_->BlindIndex("referral", address);
      PD_ASSIGN_OR_RETURN(auto known, tx.GetReferral(index));
      PD_ASSIGN_OR_RETURN(auto objected,
                          tx.FindSuppression("email", keyring_->BlindIndex("email", address)));
      if (known || objected) continue;
      const std::string hex = ToHex(index);
      PD_RETURN_IF_ERROR(tx.InsertReferral(
          {index, id, data.point, Seal(key, address, "referral:" + id + ":" + hex, random_), now,
           std::nullopt}));
      JobRecord job;
      job.kind = kReferralEmailJob;
      job.payload = nlohmann::json{{"referral", hex}}.dump();
      job.dedupe_key = "referral:" + hex;
      job.run_at = now;
      job.created_at = now;
      job.updated_at = now;
      auto queued = tx.EnqueueJob(job);
      if (!queued.ok()) return queued.error();
      ++into.referrals_queued;
    }
    nlohmann::json detail =
        data.audit_detail.is_object() ? data.audit_detail : nlohmann::json::object();
    detail["new_subject"] = into.created;
    if (!data.referred_emails.empty()) {
      detail["referrals"] = data.referred_emails.size();
      detail["referrals_queued"] = into.referrals_queued;
    }
    detail["values"] = data.attributes.size();
    if (!into.unlinked.empty()) detail["unlinked_identities"] = into.unlinked;
    AuditEvent event = Event(ctx, "subject.collect", "subject:" + id, detail.dump());
    if (event.actor.empty()) event.actor = "subject:" + id;
    PD_RETURN_IF_ERROR(audit_.Append(tx, event));
    if (data.also) PD_RETURN_IF_ERROR(data.also(tx, into));
    return into;
  });
}

Result<std::string> SubjectRegistry::IdentityIndex(const IdentityValue& identity) const {
  return IdentityIndex(identity.kind, identity.value);
}

Result<std::string> SubjectRegistry::IdentityIndex(const std::string& kind,
                                                   std::string_view value) const {
  PD_ASSIGN_OR_RETURN(std::string normalized, NormalizeIdentity(kind, value));
  return keyring_->BlindIndex(kind, normalized);
}

bool SubjectRegistry::EmailIndexInto(std::string_view email, std::string& scratch,
                                     char* out) const {
  if (!NormalizeEmailInto(email, scratch).ok()) return false;
  keyring_->BlindIndexInto("email", scratch, out);
  return true;
}

Result<std::optional<SubjectRecord>> SubjectRegistry::FindSubject(
    Tx& tx, const IdentityValue& identity) const {
  PD_ASSIGN_OR_RETURN(std::string index, IdentityIndex(identity));
  PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity(identity.kind, index));
  if (!owner) return std::optional<SubjectRecord>();
  return tx.GetSubject(*owner);
}

Result<SecretBytes> SubjectRegistry::SubjectKey(Tx& tx, const std::string& subject_id) const {
  PD_ASSIGN_OR_RETURN(auto key_row, tx.GetDataKey(subject_id));
  if (!key_row) return SubjectNotFound();  // crypto-shredded
  return keyring_->Unwrap(kKeyPurpose, subject_id, key_row->master_key_id, key_row->wrapped);
}

Result<std::optional<std::string>> SubjectRegistry::OpenIdentity(Tx& tx,
                                                                 const std::string& subject_id,
                                                                 const std::string& kind) const {
  PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(subject_id));
  for (const auto& row : identities) {
    if (row.kind != kind || row.sealed_value.empty()) continue;
    auto key = SubjectKey(tx, subject_id);
    if (!key.ok()) {
      if (key.error().code() == "subject_not_found") return std::optional<std::string>();
      return key.error();
    }
    PD_ASSIGN_OR_RETURN(std::string value,
                        Open(*key, row.sealed_value, IdentityContext(subject_id, kind)));
    return std::optional<std::string>(std::move(value));
  }
  return std::optional<std::string>();
}

Result<std::optional<std::string>> SubjectRegistry::OpenReferralAddress(
    Tx& tx, const ReferralRecord& referral) const {
  if (referral.sent_at || referral.sealed_address.empty()) return std::optional<std::string>();
  auto key = SubjectKey(tx, referral.referrer_id);
  if (!key.ok()) {
    if (key.error().code() == "subject_not_found") return std::optional<std::string>();
    return key.error();
  }
  PD_ASSIGN_OR_RETURN(std::string address,
                      Open(*key, referral.sealed_address,
                           "referral:" + referral.referrer_id + ":" + ToHex(referral.blind_index)));
  return std::optional<std::string>(std::move(address));
}

Result<std::string> SubjectRegistry::SealIdentity(Tx& tx, const std::string& subject_id,
                                                  const std::string& kind,
                                                  std::string_view value) const {
  PD_ASSIGN_OR_RETURN(SecretBytes key, SubjectKey(tx, subject_id));
  return Seal(key, value, IdentityContext(subject_id, kind), random_);
}

Result<std::string> SubjectRegistry::SealFor(Tx& tx, const std::string& subject_id,
                                             std::string_view plaintext,
                                             const std::string& context) const {
  PD_ASSIGN_OR_RETURN(SecretBytes key, SubjectKey(tx, subject_id));
  return Seal(key, plaintext, "system:" + subject_id + ":" + context, random_);
}

Result<std::string> SubjectRegistry::OpenFor(Tx& tx, const std::string& subject_id,
                                             std::string_view sealed,
                                             const std::string& context) const {
  PD_ASSIGN_OR_RETURN(SecretBytes key, SubjectKey(tx, subject_id));
  return Open(key, sealed, "system:" + subject_id + ":" + context);
}

Result<SubjectView> SubjectRegistry::LoadView(Tx& tx, const SubjectRecord& subject) const {
  PD_ASSIGN_OR_RETURN(auto key_row, tx.GetDataKey(subject.id));
  if (!key_row) return SubjectNotFound();  // crypto-shredded
  PD_ASSIGN_OR_RETURN(SecretBytes key, keyring_->Unwrap(kKeyPurpose, subject.id,
                                                        key_row->master_key_id, key_row->wrapped));
  SubjectView view;
  view.id = subject.id;
  view.created_at = subject.created_at;
  PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(subject.id));
  for (const auto& row : identities) {
    PD_ASSIGN_OR_RETURN(std::string value,
                        Open(key, row.sealed_value, IdentityContext(subject.id, row.kind)));
    view.identities.push_back({row.kind, std::move(value)});
  }
  PD_ASSIGN_OR_RETURN(auto attributes, tx.ListAttributes(subject.id));
  for (const auto& row : attributes) {
    PD_ASSIGN_OR_RETURN(std::string value,
                        Open(key, row.sealed_value, AttributeContext(subject.id, row.name)));
    view.attributes.push_back({row.name, std::move(value), row.provenance, row.created_at, row.id});
  }
  return view;
}

Result<SubjectView> SubjectRegistry::Get(const AccessContext& ctx, const std::string& id) {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  // A read of personal data is a write to the audit trail: both happen in one transaction.
  return WriteValue<SubjectView>(store_, [&](Tx& tx) -> Result<SubjectView> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject || subject->erased_at) return SubjectNotFound();
    PD_ASSIGN_OR_RETURN(SubjectView view, LoadView(tx, *subject));
    PD_RETURN_IF_ERROR(audit_.Append(tx, Event(ctx, "subject.read", "subject:" + id)));
    return view;
  });
}

Result<SubjectView> SubjectRegistry::GetFiltered(const AccessContext& ctx, const std::string& id,
                                                 const ViewFilter& filter) {
  if (!RoleIn(ctx.principal.role, SubjectDataRoles()) &&
      !RoleIn(ctx.principal.role, MarketingViewRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not read subjects' personal data");
  }
  return WriteValue<SubjectView>(store_, [&](Tx& tx) -> Result<SubjectView> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject || subject->erased_at) return SubjectNotFound();
    PD_ASSIGN_OR_RETURN(SubjectView view, LoadView(tx, *subject));
    size_t withheld = 0;
    auto keep = [&withheld](auto& items, const auto& allowed) {
      size_t before = items.size();
      std::erase_if(items, [&](const auto& item) { return !allowed || !allowed(item); });
      withheld += before - items.size();
    };
    keep(view.identities, filter.identity);
    keep(view.attributes, filter.attribute);
    nlohmann::json detail = {{"filtered", true},
                             {"values", view.identities.size() + view.attributes.size()},
                             {"withheld", withheld}};
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, Event(ctx, "subject.read", "subject:" + id, detail.dump())));
    return view;
  });
}

Result<std::vector<SubjectView>> SubjectRegistry::FindByIdentity(const AccessContext& ctx,
                                                                 const IdentityValue& identity) {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  PD_ASSIGN_OR_RETURN(std::string normalized, NormalizeIdentity(identity.kind, identity.value));
  std::string index = keyring_->BlindIndex(identity.kind, normalized);
  return WriteValue<std::vector<SubjectView>>(
      store_, [&](Tx& tx) -> Result<std::vector<SubjectView>> {
        std::vector<SubjectView> found;
        PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity(identity.kind, index));
        std::string object = "identity:" + identity.kind;
        if (owner) {
          PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(*owner));
          if (subject && !subject->erased_at) {
            PD_ASSIGN_OR_RETURN(SubjectView view, LoadView(tx, *subject));
            object = "subject:" + view.id;
            found.push_back(std::move(view));
          }
        }
        nlohmann::json detail = {{"identity_kind", identity.kind}, {"matches", found.size()}};
        PD_RETURN_IF_ERROR(audit_.Append(tx, Event(ctx, "subject.lookup", object, detail.dump())));
        return found;
      });
}

Result<ErasureOutcome> SubjectRegistry::Erase(const AccessContext& ctx, const std::string& id,
                                              const std::function<bool(const ErasableValue&)>& keep,
                                              const nlohmann::json& audit_detail) {
  if (!RoleIn(ctx.principal.role, ErasureRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not erase subjects");
  }
  const Micros now = clock_.Now();
  return WriteValue<ErasureOutcome>(store_, [&](Tx& tx) -> Result<ErasureOutcome> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject) return SubjectNotFound();
    ErasureOutcome out;
    out.already_erased = subject->erased_at.has_value();
    PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(id));
    PD_ASSIGN_OR_RETURN(auto attributes, tx.ListAttributes(id));
    std::vector<int64_t> drop;
    for (const auto& row : attributes) {
      ErasableValue v{false, row.id, row.name, row.provenance, row.created_at};
      if (keep && keep(v)) {
        out.kept.push_back(std::move(v));
      } else {
        drop.push_back(row.id);
      }
    }
    std::vector<const IdentityRecord*> clear;
    for (const auto& row : identities) {
      if (row.sealed_value.empty()) continue;
      ErasableValue v{true, 0, row.kind, "", row.created_at};
      if (keep && keep(v)) {
        out.kept.push_back(std::move(v));
      } else {
        clear.push_back(&row);
      }
    }
    PD_ASSIGN_OR_RETURN(int64_t referrals, tx.DeleteReferralAddresses(id));
    out.referral_addresses_deleted = static_cast<size_t>(referrals);
    if (out.kept.empty()) {
      // The common case: one statement per table.
      PD_RETURN_IF_ERROR(tx.DeleteSubjectData(id));
      out.key_destroyed = true;
    } else {
      for (const IdentityRecord* row : clear) {
        PD_RETURN_IF_ERROR(tx.ClearIdentityValue(id, row->kind));
      }
      for (int64_t attribute : drop) PD_RETURN_IF_ERROR(tx.DeleteAttribute(id, attribute));
    }
    out.identities_cleared = clear.size();
    out.attributes_deleted = drop.size();
    if (!subject->erased_at) PD_RETURN_IF_ERROR(tx.MarkSubjectErased(id, now));
    nlohmann::json detail = audit_detail.is_object() ? audit_detail : nlohmann::json::object();
    detail["attributes_deleted"] = out.attributes_deleted;
    detail["identities_cleared"] = out.identities_cleared;
    detail["referral_addresses_deleted"] = out.referral_addresses_deleted;
    detail["key_destroyed"] = out.key_destroyed;
    detail["kept"] = out.kept.size();
    if (!out.kept.empty()) {
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& v : out.kept) fields.push_back(v.name);
      detail["kept_fields"] = fields;
    }
    if (out.already_erased) detail["again"] = true;
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, Event(ctx, "subject.erase", "subject:" + id, detail.dump())));
    return out;
  });
}

Result<SubjectView> SubjectRegistry::GetRetained(const AccessContext& ctx, const std::string& id) {
  if (!RoleIn(ctx.principal.role, ErasureRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not read what an erasure kept");
  }
  return WriteValue<SubjectView>(store_, [&](Tx& tx) -> Result<SubjectView> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject) return SubjectNotFound();
    PD_ASSIGN_OR_RETURN(SecretBytes key, SubjectKey(tx, id));
    SubjectView view;
    view.id = id;
    view.created_at = subject->created_at;
    PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(id));
    for (const auto& row : identities) {
      if (row.sealed_value.empty()) continue;
      PD_ASSIGN_OR_RETURN(std::string value,
                          Open(key, row.sealed_value, IdentityContext(id, row.kind)));
      view.identities.push_back({row.kind, std::move(value)});
    }
    PD_ASSIGN_OR_RETURN(auto attributes, tx.ListAttributes(id));
    for (const auto& row : attributes) {
      PD_ASSIGN_OR_RETURN(std::string value,
                          Open(key, row.sealed_value, AttributeContext(id, row.name)));
      view.attributes.push_back(
          {row.name, std::move(value), row.provenance, row.created_at, row.id});
    }
    nlohmann::json detail = {{"values", view.identities.size() + view.attributes.size()}};
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, Event(ctx, "subject.read_retained", "subject:" + id, detail.dump())));
    return view;
  });
}

Status SubjectRegistry::SetRestricted(const AccessContext& ctx, const std::string& id,
                                      bool restricted, const std::string& reason) {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  const Micros now = clock_.Now();
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject || subject->erased_at) return SubjectNotFound();
    const bool was = subject->restricted_at.has_value();
    if (was != restricted) {
      PD_RETURN_IF_ERROR(
          tx.SetSubjectRestricted(id, restricted ? std::optional<Micros>(now) : std::nullopt));
    }
    nlohmann::json detail = {{"changed", was != restricted}};
    if (!reason.empty()) detail["reason"] = reason;
    return StatusOf(
        audit_.Append(tx, Event(ctx, restricted ? "subject.restrict" : "subject.unrestrict",
                                "subject:" + id, detail.dump())));
  });
}

Result<Rectified> SubjectRegistry::Rectify(
    const AccessContext& ctx, Rectifier by, const std::string& id, int64_t attribute_id,
    const std::string& value,
    const std::function<Status(const std::string& name, const std::string& provenance)>& check) {
  if (by == Rectifier::kStaff) {
    PD_RETURN_IF_ERROR(CheckRole(ctx));
  } else if (ctx.request_id.empty()) {
    return Error(ErrorKind::kInvalidArgument, "request_required",
                 "a person corrects their data through a verified request; give its id");
  }
  if (value.size() > kMaxAttributeBytes) {
    return Error(ErrorKind::kInvalidArgument, "invalid_attribute",
                 "the corrected value is longer than 64 KiB");
  }
  const Micros now = clock_.Now();
  const std::string actor =
      by == Rectifier::kSubject ? "subject" : "staff:" + ctx.principal.user_name;
  return WriteValue<Rectified>(store_, [&](Tx& tx) -> Result<Rectified> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject || subject->erased_at) return SubjectNotFound();
    PD_ASSIGN_OR_RETURN(auto attributes, tx.ListAttributes(id));
    const AttributeRecord* old = nullptr;
    for (const auto& row : attributes) {
      if (row.id == attribute_id) old = &row;
    }
    if (old == nullptr) {
      return Error(ErrorKind::kNotFound, "attribute_not_found",
                   "the subject has no value with this id");
    }
    if (by == Rectifier::kSubject && !IsSelfAsserted(old->provenance)) {
      return Error(ErrorKind::kPermissionDenied, "not_self_asserted",
                   "this value did not come from the person; ask staff to correct it");
    }
    if (check) PD_RETURN_IF_ERROR(check(old->name, old->provenance));
    PD_ASSIGN_OR_RETURN(SecretBytes key, SubjectKey(tx, id));
    nlohmann::json provenance = nlohmann::json::parse(old->provenance, nullptr, false);
    if (!provenance.is_object()) provenance = nlohmann::json::object();
    provenance["rectified_by"] = actor;
    provenance["rectified_at"] = FormatRfc3339(now);
    if (!ctx.request_id.empty()) provenance["request"] = ctx.request_id;
    AttributeRecord updated = *old;
    updated.sealed_value = Seal(key, value, AttributeContext(id, old->name), random_);
    updated.provenance = provenance.dump();
    PD_RETURN_IF_ERROR(tx.UpdateAttribute(updated));
    nlohmann::json detail = {
        {"attribute", old->name},
        {"attribute_id", old->id},
        {"by", by == Rectifier::kSubject ? "subject" : "staff"},
        {"old_provenance", nlohmann::json::parse(old->provenance, nullptr, false)},
        {"new_provenance", provenance}};
    if (detail["old_provenance"].is_discarded()) detail["old_provenance"] = nullptr;
    AuditEvent event = Event(ctx, "subject.rectify", "subject:" + id, detail.dump());
    if (by == Rectifier::kSubject) {
      event.actor = "subject:" + id;
      event.role = "";
    }
    PD_RETURN_IF_ERROR(audit_.Append(tx, event));
    Rectified out;
    out.value = {old->name, value, updated.provenance, old->created_at, old->id};
    out.old_provenance = old->provenance;
    return out;
  });
}

Result<SubjectExport> SubjectRegistry::Export(const AccessContext& ctx, const std::string& id) {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  return WriteValue<SubjectExport>(store_, [&](Tx& tx) -> Result<SubjectExport> {
    SubjectExport out;
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject || subject->erased_at) return SubjectNotFound();
    out.subject = *subject;
    PD_ASSIGN_OR_RETURN(out.view, LoadView(tx, *subject));
    PD_ASSIGN_OR_RETURN(out.referrals, tx.ListReferralsBy(id));
    for (auto& referral : out.referrals) referral.sealed_address.clear();
    PD_ASSIGN_OR_RETURN(out.consent_events, tx.ListConsentEvents(id));
    PD_ASSIGN_OR_RETURN(out.disclosures, tx.ListDisclosures(id));
    nlohmann::json detail = {{"values", out.view.identities.size() + out.view.attributes.size()},
                             {"referrals", out.referrals.size()},
                             {"consent_events", out.consent_events.size()}};
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, Event(ctx, "subject.export", "subject:" + id, detail.dump())));
    return out;
  });
}

Result<DisclosureRecord> SubjectRegistry::RecordDisclosure(
    const AccessContext& ctx, const std::string& id, DisclosureRecord record,
    const std::function<Status(const SubjectRecord&)>& check) {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  record.subject_id = id;
  record.actor = ctx.principal.user_name;
  record.created_at = clock_.Now();
  return WriteValue<DisclosureRecord>(store_, [&](Tx& tx) -> Result<DisclosureRecord> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject || subject->erased_at) return SubjectNotFound();
    if (check) {
      PD_RETURN_IF_ERROR(check(*subject));
    }
    DisclosureRecord out = record;
    PD_ASSIGN_OR_RETURN(out.seq, tx.InsertDisclosure(record));
    nlohmann::json detail = {{"disclosure", out.id},   {"recipient", out.recipient},
                             {"purpose", out.purpose}, {"categories", out.categories},
                             {"origin", out.origin},   {"safeguard", out.safeguard}};
    if (!out.request_id.empty()) detail["request"] = out.request_id;
    PD_RETURN_IF_ERROR(StatusOf(
        audit_.Append(tx, Event(ctx, "subject.disclose", "subject:" + id, detail.dump()))));
    return out;
  });
}

Result<std::vector<DisclosureRecord>> SubjectRegistry::ListDisclosures(const AccessContext& ctx,
                                                                       const std::string& id) {
  if (!RoleIn(ctx.principal.role, DisclosureReaderRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not read the disclosure log");
  }
  using List = std::vector<DisclosureRecord>;
  return WriteValue<List>(store_, [&](Tx& tx) -> Result<List> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
    if (!subject) return SubjectNotFound();
    PD_ASSIGN_OR_RETURN(List out, tx.ListDisclosures(id));
    PD_RETURN_IF_ERROR(
        StatusOf(audit_.Append(tx, Event(ctx, "subject.read_disclosures", "subject:" + id,
                                         nlohmann::json{{"disclosures", out.size()}}.dump()))));
    return out;
  });
}

}  // namespace privacyd
