// The privacy statement, written from the policy: the same document the daemon enforces, as a
// reader sees it. Every section of the statement (introduction, what we collect and why, sharing,
// transfers, security, technical data, cookies, retention, children, external links, rights,
// changes, contact) is generated from the policy's declarations and its per-language text blocks
// (`texts`), with the fixed words taken from statement_vocabulary.h, so nothing in the page is a
// static copy that could drift from what is enforced.
//
// Text from the policy is escaped: whatever it contains (`<script>`, `*`, `[x](y)`) renders as
// the literal characters, never as Markdown or HTML. Links are made only from the policy's URLs
// with an http, https or mailto scheme.
//
// The functions are pure (no I/O, no clock) and thread-safe.
#pragma once

#include <string>

#include "core/result.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "policy/policy_diff.h"
#include "policy/taxonomy.h"

namespace privacyd {

// The prominent notice a statement carries in its "changes" section after a material change:
// the changes against the version before that people must be told about (PolicyChange::why is
// one of DiffPolicies' reasons, rendered in the page's language).
struct ChangeNotice {
  std::string previous_version;
  std::vector<PolicyChange> material_changes;
};

// The statement as CommonMark in `lang`, which must be one of the policy's languages (and one
// privacyd has words for: en, de, fr). Errors: kInvalidArgument "unsupported_language", the
// message listing the policy's languages.
Result<std::string> RenderStatementMarkdown(const Policy& policy, const std::string& lang,
                                            const Taxonomy& taxonomy,
                                            const Jurisdictions& jurisdictions,
                                            const ChangeNotice* notice = nullptr);

// The same statement as a complete HTML5 document (`<html lang="..">`, UTF-8, the title, a small
// inline stylesheet that also suits printing; no scripts and no external resources). The
// Markdown is converted by cmark-gfm in its safe mode. Errors: as RenderStatementMarkdown.
Result<std::string> RenderStatementHtml(const Policy& policy, const std::string& lang,
                                        const Taxonomy& taxonomy,
                                        const Jurisdictions& jurisdictions,
                                        const ChangeNotice* notice = nullptr);

}  // namespace privacyd
