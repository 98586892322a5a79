// Rendering the statement of the example policy, per language and format: the cost GET /statement
// pays per request, since the routes render on every request instead of caching.
//
// BM_RenderMarkdown is the baseline (generating the Markdown); BM_RenderHtml adds the cmark-gfm
// conversion and the HTML document around it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "policy/example_policy.h"
#include "policy/policy_loader.h"
#include "statement/statement_renderer.h"

namespace privacyd {
namespace {

const Policy& Example() {
  static const std::shared_ptr<const Policy> policy = [] {
    PolicyLoad load =
        LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default());
    if (!load.ok()) {
      std::fprintf(stderr, "the example policy does not load\n");
      std::exit(1);
    }
    return load.policy;
  }();
  return *policy;
}

const char* const kLangs[] = {"en", "de", "fr"};

void BM_RenderMarkdown(benchmark::State& state) {
  const Policy& policy = Example();
  const std::string lang = kLangs[state.range(0)];
  for (auto _ : state) {
    auto md = RenderStatementMarkdown(policy, lang, Taxonomy::Default(), Jurisdictions::Default());
    benchmark::DoNotOptimize(md);
  }
  state.SetLabel(lang);
}
BENCHMARK(BM_RenderMarkdown)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

void BM_RenderHtml(benchmark::State& state) {
  const Policy& policy = Example();
  const std::string lang = kLangs[state.range(0)];
  for (auto _ : state) {
    auto html = RenderStatementHtml(policy, lang, Taxonomy::Default(), Jurisdictions::Default());
    benchmark::DoNotOptimize(html);
  }
  state.SetLabel(lang);
}
BENCHMARK(BM_RenderHtml)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
