#include "mail/templates.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "core/markup.h"

namespace privacyd {
// data/mail/*.yml, embedded at build time (CMakeLists.txt).
extern const std::string_view kMailTemplatesEn;
extern const std::string_view kMailTemplatesDe;
extern const std::string_view kMailTemplatesFr;
}  // namespace privacyd

namespace privacyd::mail {
namespace {

// ---- The templates of one language, as written in its file.

struct KindText {
  std::string subject;
  std::string body;
};

struct LanguageTexts {
  std::string link_separator;  // between a link's label and URL in plain text
  std::string footer;
  std::string marketing_footer;
  std::map<std::string, KindText, std::less<>> kinds;
};

Error Broken(const std::string& message) {
  return Error(ErrorKind::kInternal, "mail_template_invalid", message);
}

Result<LanguageTexts> ParseLanguage(std::string_view language, std::string_view yaml) {
  std::string file = "data/mail/" + std::string(language) + ".yml";
  LanguageTexts out;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    out.link_separator = root["link_separator"].as<std::string>();
    out.footer = root["footer"].as<std::string>();
    out.marketing_footer = root["marketing_footer"].as<std::string>();
    for (const auto& kind : MailTemplateKinds()) {
      YAML::Node node = root["templates"][kind];
      if (!node.IsMap()) return Broken(file + " has no template " + kind);
      out.kinds[kind] = KindText{node["subject"].as<std::string>(), node["body"].as<std::string>()};
    }
    if (root["templates"].size() != MailTemplateKinds().size()) {
      return Broken(file + " has templates of unknown kinds");
    }
  } catch (const YAML::Exception& e) {
    return Broken(file + ": " + e.what());
  }
  return out;
}

const Result<std::map<std::string, LanguageTexts, std::less<>>>& AllTexts() {
  static const auto* texts = [] {
    using Map = std::map<std::string, LanguageTexts, std::less<>>;
    const std::pair<std::string_view, std::string_view> files[] = {
        {"en", kMailTemplatesEn}, {"de", kMailTemplatesDe}, {"fr", kMailTemplatesFr}};
    Map map;
    for (const auto& [language, yaml] : files) {
      auto parsed = ParseLanguage(language, yaml);
      if (!parsed.ok()) return new Result<Map>(parsed.error());
      map.emplace(language, std::move(parsed).value());
    }
    return new Result<Map>(std::move(map));
  }();
  return *texts;
}

// ---- The template syntax: {{name}}, {{#name}}...{{/name}}, {{^name}}...{{/name}}, {{.}} and
// [label]({{name}}).

struct Node {
  enum class Type { kText, kVar, kSection, kInverted, kLink };
  Type type;
  std::string text;  // kText: the text; otherwise the variable's name
  std::vector<Node> children;
};

// A line holding nothing but a section tag disappears with its line break, so that tags can
// stand on lines of their own around list items.
std::string DropStandaloneTagLines(std::string_view source) {
  std::string out;
  size_t start = 0;
  while (start < source.size()) {
    size_t nl = source.find('\n', start);
    size_t end = nl == std::string_view::npos ? source.size() : nl;
    std::string_view line = source.substr(start, end - start);
    size_t b = line.find_first_not_of(" \t");
    size_t e = line.find_last_not_of(" \t");
    std::string_view trimmed =
        b == std::string_view::npos ? std::string_view() : line.substr(b, e - b + 1);
    bool standalone = trimmed.size() > 5 && trimmed.starts_with("{{") && trimmed.ends_with("}}") &&
                      std::string_view("#^/").find(trimmed[2]) != std::string_view::npos &&
                      trimmed.find("}}") == trimmed.size() - 2;
    if (standalone) {
      out += trimmed;
    } else {
      out += line;
      if (nl != std::string_view::npos) out += '\n';
    }
    start = end + 1;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view source) : src_(source) {}

  // Parses until `closing` (a section's name) or the end.
  Result<std::vector<Node>> Parse(const std::string& closing = "") {
    std::vector<Node> nodes;
    std::string text;
    auto flush = [&] {
      if (!text.empty()) nodes.push_back(Node{Node::Type::kText, std::move(text), {}});
      text.clear();
    };
    while (pos_ < src_.size()) {
      if (src_.compare(pos_, 2, "{{") == 0) {
        size_t end = src_.find("}}", pos_ + 2);
        if (end == std::string_view::npos) return Broken("a '{{' has no '}}'");
        std::string tag(src_.substr(pos_ + 2, end - pos_ - 2));
        pos_ = end + 2;
        if (tag.empty()) return Broken("an empty {{}}");
        char sigil = tag[0];
        if (sigil == '/') {
          if (tag.substr(1) != closing) return Broken("{{" + tag + "}} closes nothing open");
          flush();
          return nodes;
        }
        flush();
        if (sigil == '#' || sigil == '^') {
          std::string name = tag.substr(1);
          PD_ASSIGN_OR_RETURN(auto children, Parse(name));
          nodes.push_back(Node{sigil == '#' ? Node::Type::kSection : Node::Type::kInverted,
                               std::move(name), std::move(children)});
        } else {
          nodes.push_back(Node{Node::Type::kVar, tag, {}});
        }
        continue;
      }
      if (src_[pos_] == '[') {
        if (auto link = ParseLink()) {
          flush();
          PD_ASSIGN_OR_RETURN(Node node, std::move(*link));
          nodes.push_back(std::move(node));
          continue;
        }
      }
      text += src_[pos_++];
    }
    if (!closing.empty()) return Broken("{{#" + closing + "}} is not closed");
    flush();
    return nodes;
  }

 private:
  // "[label]({{name}})" on one line at pos_, or nothing when the text there is not a link.
  std::optional<Result<Node>> ParseLink() {
    size_t line_end = src_.find('\n', pos_);
    std::string_view rest = src_.substr(
        pos_, line_end == std::string_view::npos ? std::string_view::npos : line_end - pos_);
    size_t middle = rest.find("]({{");
    if (middle == std::string_view::npos) return std::nullopt;
    size_t close = rest.find("}})", middle);
    if (close == std::string_view::npos) return std::nullopt;
    std::string url(rest.substr(middle + 4, close - middle - 4));
    Parser label(rest.substr(1, middle - 1));
    auto children = label.Parse();
    pos_ += close + 3;
    if (!children.ok()) return Result<Node>(children.error());
    return Result<Node>(Node{Node::Type::kLink, std::move(url), std::move(children).value()});
  }

  std::string_view src_;
  size_t pos_ = 0;
};

// ---- Expansion: the nodes with the variables' values, as segments whose origin is kept, so
// that only the template's own text decides lines, list items and paragraphs.

struct Segment {
  enum class Type { kLiteral, kValue, kLink };
  Type type;
  std::string text;  // kLink: the label
  std::string url;   // kLink
};

Error Missing(const std::string& name) {
  return Error(ErrorKind::kInvalidArgument, "missing_mail_variable",
               "the mail template needs the variable " + name);
}

Error WrongType(const std::string& name, const char* expected) {
  return Error(ErrorKind::kInvalidArgument, "invalid_mail_variable",
               "the mail variable " + name + " must be " + expected);
}

Result<std::string> Scalar(const std::string& name, const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) return value.dump();
  return WrongType(name, "a text or a number");
}

bool IsHttpUrl(std::string_view url) {
  std::string lower(url.substr(0, 8));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool scheme = lower.starts_with("http://") || lower.starts_with("https://");
  size_t host = lower.starts_with("https://") ? 8 : 7;
  return scheme && url.size() > host && std::none_of(url.begin(), url.end(), [](char c) {
           auto u = static_cast<unsigned char>(c);
           return u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>';
         });
}

class Expander {
 public:
  explicit Expander(const nlohmann::json& vars) : vars_(vars) {}

  Status Expand(const std::vector<Node>& nodes, std::vector<Segment>& out) {
    for (const auto& node : nodes) {
      switch (node.type) {
        case Node::Type::kText:
          out.push_back(Segment{Segment::Type::kLiteral, node.text, ""});
          break;
        case Node::Type::kVar: {
          PD_ASSIGN_OR_RETURN(const nlohmann::json* value, Lookup(node.text));
          PD_ASSIGN_OR_RETURN(std::string text, Scalar(node.text, *value));
          out.push_back(Segment{Segment::Type::kValue, std::move(text), ""});
          break;
        }
        case Node::Type::kSection:
        case Node::Type::kInverted: {
          PD_ASSIGN_OR_RETURN(const nlohmann::json* value, Lookup(node.text));
          std::vector<const nlohmann::json*> items;
          if (value->is_array()) {
            for (const auto& item : *value) items.push_back(&item);
          } else if (value->is_string()) {
            if (!value->get<std::string>().empty()) items.push_back(value);
          } else if (value->is_boolean()) {
            if (value->get<bool>()) items.push_back(value);
          } else {
            return WrongType(node.text, "a list, a text or true/false");
          }
          if (node.type == Node::Type::kInverted) {
            if (items.empty()) PD_RETURN_IF_ERROR(Expand(node.children, out));
            break;
          }
          for (const nlohmann::json* item : items) {
            dots_.push_back(item);
            Status s = Expand(node.children, out);
            dots_.pop_back();
            PD_RETURN_IF_ERROR(s);
          }
          break;
        }
        case Node::Type::kLink: {
          PD_ASSIGN_OR_RETURN(const nlohmann::json* value, Lookup(node.text));
          PD_ASSIGN_OR_RETURN(std::string url, Scalar(node.text, *value));
          if (!IsHttpUrl(url)) {
            return Error(ErrorKind::kInvalidArgument, "invalid_mail_url",
                         "the mail variable " + node.text +
                             " is a link and must be an http:// or https:// URL without spaces");
          }
          std::vector<Segment> label;
          PD_RETURN_IF_ERROR(Expand(node.children, label));
          std::string text;
          for (const auto& s : label) text += s.text;
          out.push_back(Segment{Segment::Type::kLink, std::move(text), std::move(url)});
          break;
        }
      }
    }
    return Ok();
  }

 private:
  Result<const nlohmann::json*> Lookup(const std::string& name) {
    if (name == ".") {
      if (dots_.empty()) return Broken("{{.}} outside a section");
      return dots_.back();
    }
    if (!vars_.is_object()) return Missing(name);
    auto it = vars_.find(name);
    if (it == vars_.end() || it->is_null()) return Missing(name);
    return &*it;
  }

  const nlohmann::json& vars_;
  std::vector<const nlohmann::json*> dots_;
};

// ---- Layout: lines, then blocks (paragraphs and lists), then text or HTML.

struct Line {
  std::vector<Segment> segments;
  bool item = false;  // started with "- " in the template
};

struct Block {
  bool list = false;
  bool after_blank = false;  // an empty line came before it (a list can follow its lead-in)
  std::vector<Line> lines;
};

std::vector<Block> Layout(const std::vector<Segment>& segments) {
  std::vector<Line> lines(1);
  for (const auto& s : segments) {
    if (s.type != Segment::Type::kLiteral) {
      lines.back().segments.push_back(s);
      continue;
    }
    size_t start = 0;
    while (true) {
      size_t nl = s.text.find('\n', start);
      std::string piece = s.text.substr(start, nl == std::string::npos ? nl : nl - start);
      if (!piece.empty()) lines.back().segments.push_back({Segment::Type::kLiteral, piece, ""});
      if (nl == std::string::npos) break;
      lines.emplace_back();
      start = nl + 1;
    }
  }
  std::vector<Block> blocks;
  bool open = false;
  bool after_blank = false;
  for (auto& line : lines) {
    bool blank = std::all_of(line.segments.begin(), line.segments.end(), [](const Segment& s) {
      return s.type != Segment::Type::kLink && s.text.find_first_not_of(" \t") == std::string::npos;
    });
    if (blank) {
      open = false;
      after_blank = true;
      continue;
    }
    auto& first = line.segments.front();
    if (first.type == Segment::Type::kLiteral && first.text.starts_with("- ")) {
      line.item = true;
      first.text.erase(0, 2);
    }
    if (!open || blocks.back().list != line.item) {
      blocks.push_back(Block{line.item, after_blank, {}});
    }
    blocks.back().lines.push_back(std::move(line));
    open = true;
    after_blank = false;
  }
  return blocks;
}

std::string LineText(const Line& line, const std::string& link_separator) {
  std::string out;
  for (const auto& s : line.segments) {
    if (s.type == Segment::Type::kLink) {
      out += s.text.empty() ? s.url : s.text + link_separator + s.url;
    } else {
      out += s.text;
    }
  }
  size_t end = out.find_last_not_of(" \t");
  out.resize(end == std::string::npos ? 0 : end + 1);
  return out;
}

std::string LineHtml(const Line& line) {
  std::string out;
  for (const auto& s : line.segments) {
    if (s.type == Segment::Type::kLink) {
      out += "<a href=\"" + EscapeMarkup(s.url) + "\">" +
             EscapeMarkup(s.text.empty() ? s.url : s.text) + "</a>";
    } else {
      out += EscapeMarkup(s.text);
    }
  }
  size_t end = out.find_last_not_of(" \t");
  out.resize(end == std::string::npos ? 0 : end + 1);
  return out;
}

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// `text` wrapped at its spaces to lines of at most 72 characters where the words allow (a long
// URL stays whole), the first line after `first`, the others after `rest`.
std::string Wrap(std::string_view text, std::string_view first, std::string_view rest) {
  constexpr size_t kWidth = 72;
  std::string out(first);
  size_t column = CodePoints(first);
  bool line_empty = true;
  size_t i = 0;
  while (i < text.size()) {
    size_t word = text.find_first_not_of(' ', i);
    if (word == std::string_view::npos) break;
    size_t end = std::min(text.find(' ', word), text.size());
    std::string_view w = text.substr(word, end - word);
    size_t width = CodePoints(w);
    if (!line_empty && column + 1 + width > kWidth) {
      out += "\n";
      out += rest;
      column = CodePoints(rest);
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += w;
    column += width;
    line_empty = false;
    i = end;
  }
  return out + "\n";
}

// Plain text: paragraphs re-wrapped to 72 characters, list items with a hanging indent; in the
// footer each line stays as it is (`hard_breaks`).
std::string BlocksText(const std::vector<Block>& blocks, bool hard_breaks,
                       const std::string& link_separator) {
  std::string out;
  for (const auto& block : blocks) {
    if (!out.empty() && block.after_blank) out += "\n";
    if (block.list) {
      for (const auto& line : block.lines) out += Wrap(LineText(line, link_separator), "- ", "  ");
    } else if (hard_breaks) {
      for (const auto& line : block.lines) out += LineText(line, link_separator) + "\n";
    } else {
      std::string joined;
      for (const auto& line : block.lines)
        joined += (joined.empty() ? "" : " ") + LineText(line, link_separator);
      out += Wrap(joined, "", "");
    }
  }
  return out;
}

// Lines of a paragraph are wrapped text, joined with a space; in the footer each line stands
// on its own (`hard_breaks`).
std::string BlocksHtml(const std::vector<Block>& blocks, bool hard_breaks) {
  std::string out;
  for (const auto& block : blocks) {
    if (block.list) {
      out += "<ul>\n";
      for (const auto& line : block.lines) out += "<li>" + LineHtml(line) + "</li>\n";
      out += "</ul>\n";
      continue;
    }
    out += "<p>";
    for (size_t i = 0; i < block.lines.size(); ++i) {
      if (i > 0) out += hard_breaks ? "<br>\n" : "\n";
      out += LineHtml(block.lines[i]);
    }
    out += "</p>\n";
  }
  return out;
}

Result<std::vector<Block>> RenderBlocks(std::string_view source, const nlohmann::json& vars) {
  std::string prepared = DropStandaloneTagLines(source);
  Parser parser(prepared);
  PD_ASSIGN_OR_RETURN(auto nodes, parser.Parse());
  std::vector<Segment> segments;
  Expander expander(vars);
  PD_RETURN_IF_ERROR(expander.Expand(nodes, segments));
  return Layout(segments);
}

std::string NormalizeLanguage(std::string_view language) {
  std::string out;
  for (char c : language) {
    if (c == '-' || c == '_') break;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto& languages = MailTemplateLanguages();
  return std::find(languages.begin(), languages.end(), out) == languages.end() ? "en" : out;
}

}  // namespace

const std::vector<std::string>& MailTemplateKinds() {
  static const std::vector<std::string> kKinds = {
      "double_opt_in", "address_change", "one_time_code", "unsubscribe_confirmation", "referral",
      "statement_change", "test",
      // data subject requests (rights/request_service.h)
      "request_extended", "request_complaint_dpo", "request_complaint_received",
      "request_tenant_routed", "request_processor_notice", "request_completed"};
  return kKinds;
}

const std::vector<std::string>& MailTemplateLanguages() {
  static const std::vector<std::string> kLanguages = {"en", "de", "fr"};
  return kLanguages;
}

bool IsMarketingMail(std::string_view kind) {
  return kind == "referral" || kind == "statement_change";
}

Result<RenderedMail> RenderTemplate(std::string_view kind, std::string_view language,
                                    const nlohmann::json& vars) {
  const auto& kinds = MailTemplateKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    return Error(ErrorKind::kInvalidArgument, "unknown_mail_template",
                 "there is no mail template " + std::string(kind));
  }
  const auto& all = AllTexts();
  if (!all.ok()) return all.error();
  std::string lang = NormalizeLanguage(language);
  const LanguageTexts& texts = all->find(lang)->second;
  const KindText& source = texts.kinds.find(kind)->second;

  PD_ASSIGN_OR_RETURN(auto subject_blocks, RenderBlocks(source.subject, vars));
  std::string subject = BlocksText(subject_blocks, true, texts.link_separator);
  while (!subject.empty() && subject.back() == '\n') subject.pop_back();
  if (subject.find('\n') != std::string::npos || subject.find('\r') != std::string::npos) {
    return Error(ErrorKind::kInvalidArgument, "invalid_mail_variable",
                 "a variable of the " + std::string(kind) + " subject holds a line break");
  }
  PD_ASSIGN_OR_RETURN(auto body, RenderBlocks(source.body, vars));
  std::string footer_source = texts.footer;
  if (IsMarketingMail(kind)) footer_source += "\n" + texts.marketing_footer;
  PD_ASSIGN_OR_RETURN(auto footer, RenderBlocks(footer_source, vars));

  RenderedMail out;
  out.subject = std::move(subject);
  out.text = BlocksText(body, false, texts.link_separator) + "\n-- \n" +
             BlocksText(footer, true, texts.link_separator);
  out.html = "<!DOCTYPE html>\n<html lang=\"" + lang +
             "\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width\">\n<title>" +
             EscapeMarkup(out.subject) +
             "</title>\n</head>\n<body style=\"font-family: sans-serif; line-height: 1.5; "
             "max-width: 40em;\">\n" +
             BlocksHtml(body, false) +
             "<hr>\n<footer style=\"font-size: 0.875em; color: #555;\">\n" +
             BlocksHtml(footer, true) + "</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace privacyd::mail
