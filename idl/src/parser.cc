#include "parser.h"

#include <algorithm>
#include <string_view>

#include "tern/idl/lexer.h"

namespace tern::idl {

namespace {

struct BaseName {
  std::string_view name;
  Base base;
};
constexpr BaseName kBaseTypes[] = {
    {"bool", Base::kBool},     {"byte", Base::kI8},       {"i8", Base::kI8},
    {"i16", Base::kI16},       {"i32", Base::kI32},       {"i64", Base::kI64},
    {"double", Base::kDouble}, {"string", Base::kString}, {"binary", Base::kBinary},
};

// Words that start a header or a definition: where parsing resumes after a
// syntax error.
bool StartsTopLevel(const Token& t) {
  if (t.kind != Token::kKeyword) return false;
  static constexpr std::string_view kStarts[] = {"struct",  "union",       "exception", "enum",
                                                 "senum",   "service",     "typedef",   "const",
                                                 "include", "cpp_include", "namespace"};
  return std::find(std::begin(kStarts), std::end(kStarts), t.text) != std::end(kStarts);
}

bool IsRemovedNamespaceDecl(const std::string& w) {
  static constexpr std::string_view kRemoved[] = {
      "cpp_namespace",      "java_package",     "csharp_namespace", "delphi_namespace",
      "php_namespace",      "py_module",        "perl_package",     "ruby_namespace",
      "smalltalk_category", "smalltalk_prefix", "xsd_namespace"};
  return std::find(std::begin(kRemoved), std::end(kRemoved), w) != std::end(kRemoved);
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, Program& p, Diagnostics& d, int max_nesting)
      : t_(std::move(tokens)), p_(p), d_(d), max_nesting_(max_nesting) {}

  void Run() {
    while (!AtEof() && !d_.full()) {
      const size_t before = pos_;
      if (!ParseTopLevel()) {
        Recover();
        if (pos_ == before) Take();  // always make progress
      }
    }
  }

 private:
  // ---- tokens ------------------------------------------------------------------
  const Token& Peek(size_t k = 0) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  bool AtEof() const { return Peek().kind == Token::kEof; }
  bool IsPunct(char c, size_t k = 0) const {
    return Peek(k).kind == Token::kPunct && Peek(k).text[0] == c;
  }
  bool IsWord(std::string_view w, size_t k = 0) const {
    return Peek(k).kind == Token::kKeyword && Peek(k).text == w;
  }
  const Token& Take() {
    const Token& t = Peek();
    if (pos_ < t_.size() - 1) ++pos_;
    return t;
  }
  bool Accept(char c) {
    if (!IsPunct(c)) return false;
    Take();
    return true;
  }
  void Error(const Token& at, const std::string& msg) { d_.Error(p_.path, at.loc, msg); }
  void Error(Loc at, const std::string& msg) { d_.Error(p_.path, at, msg); }
  void Warning(Loc at, const std::string& msg) { d_.Warning(p_.path, at, msg); }

  bool Expect(char c, const std::string& context) {
    if (Accept(c)) return true;
    Error(Peek(), std::string("expected '") + c + "' " + context + ", found " + Describe(Peek()));
    return false;
  }

  // A name for a definition, enum value or function: an identifier without
  // dots (dots separate include prefixes), not a keyword. Field names may
  // also be keywords, as Thrift 0.19 allows (`1: string list`).
  bool ExpectName(std::string* out, const std::string& what, bool allow_keyword = false) {
    const Token& t = Peek();
    if (t.kind == Token::kKeyword && allow_keyword && t.text.rfind("xsd_", 0) != 0) {
      *out = Take().text;
      return true;
    }
    if (t.kind == Token::kKeyword) {
      Error(t, "'" + t.text + "' is a reserved word and cannot be used as " + what);
      return false;
    }
    if (t.kind != Token::kIdent) {
      Error(t, "expected " + what + ", found " + Describe(t));
      return false;
    }
    if (t.text.find('.') != std::string::npos) {
      Error(t, "'" + t.text + "' cannot be used as " + what + ": names must not contain '.'");
    }
    *out = Take().text;
    return true;
  }

  void SkipSeparator() {
    if (IsPunct(',') || IsPunct(';')) Take();
  }

  // Skips to the next token that can start a header or definition, stepping
  // over balanced braces so a keyword inside a broken body does not count.
  void Recover() {
    int depth = 0;
    while (!AtEof()) {
      if (IsPunct('{')) {
        ++depth;
      } else if (IsPunct('}')) {
        Take();
        if (--depth <= 0) return;
        continue;
      } else if (depth <= 0 && StartsTopLevel(Peek())) {
        return;
      }
      Take();
    }
  }

  // ---- top level -----------------------------------------------------------------
  bool ParseTopLevel() {
    const Token& t = Peek();
    if (t.kind != Token::kKeyword) {
      Error(t,
            "expected a definition (struct, union, exception, enum, const, typedef, service), "
            "found " +
                Describe(t));
      return false;
    }
    if (t.text == "include" || t.text == "cpp_include" || t.text == "namespace") {
      if (seen_definition_) {
        // Apache's grammar is `Header* Definition*`; accepting this would
        // make IDLs that only Tern compiles.
        Error(t, "'" + t.text + "' must come before the first definition");
      }
      return t.text == "namespace" ? ParseNamespace() : ParseInclude();
    }
    if (IsRemovedNamespaceDecl(t.text)) {
      std::string lang = t.text.substr(0, t.text.find('_'));
      if (lang == "smalltalk") lang = "st";
      Error(t, "unsupported declaration '" + t.text + "'; use 'namespace " + lang +
                   " <name>' instead");
      return false;
    }
    if (t.text == "slist") {
      Error(t, "'slist' is not supported (deprecated in Thrift and removed here); use string");
      return false;
    }
    seen_definition_ = true;
    auto def = std::make_unique<Definition>();
    def->doc = t.doc;
    def->loc = t.loc;
    def->program = &p_;
    bool ok = false;
    bool keep_partial = false;
    if (t.text == "senum") {
      ok = ParseSenum(*def);
      keep_partial = true;
    } else if (t.text == "typedef") {
      ok = ParseTypedef(*def);
    } else if (t.text == "const") {
      ok = ParseConst(*def);
    } else if (t.text == "enum") {
      ok = ParseEnum(*def);
      keep_partial = true;
    } else if (t.text == "struct" || t.text == "union" || t.text == "exception") {
      ok = ParseStruct(*def);
      keep_partial = true;
    } else if (t.text == "service") {
      ok = ParseService(*def);
      keep_partial = true;
    } else {
      Error(t,
            "expected a definition (struct, union, exception, enum, const, typedef, service), "
            "found " +
                Describe(t));
      return false;
    }
    // A struct, enum or service broken halfway still defines its name, so
    // its uses do not each report an unknown type as well.
    if (ok || (keep_partial && !def->name.empty())) p_.definitions.push_back(std::move(def));
    return ok;
  }

  bool ParseInclude() {
    const Token& kw = Take();
    const bool cpp = kw.text == "cpp_include";
    const Loc loc = kw.loc;
    if (Peek().kind != Token::kString) {
      Error(Peek(),
            "expected a file name in quotes after '" + kw.text + "', found " + Describe(Peek()));
      return false;
    }
    const Token& path = Take();
    if (cpp) {
      p_.cpp_includes.push_back(path.text);
    } else if (path.text.empty()) {
      Error(path, "empty include path");
    } else {
      p_.includes.push_back({path.text, loc, nullptr});
    }
    SkipSeparator();
    return true;
  }

  bool ParseNamespace() {
    Take();
    std::string lang;
    if (Accept('*')) {
      lang = "*";
    } else if (Peek().kind == Token::kIdent) {
      lang = Take().text;
    } else {
      Error(Peek(), "expected a language (or '*') after 'namespace', found " + Describe(Peek()));
      return false;
    }
    std::string ns;
    if (Peek().kind == Token::kIdent || Peek().kind == Token::kKeyword ||
        Peek().kind == Token::kString) {
      ns = Take().text;
    } else {
      Error(Peek(),
            "expected a namespace name after 'namespace " + lang + "', found " + Describe(Peek()));
      return false;
    }
    p_.namespaces[lang] = ns;  // the last one wins, as in Apache
    ParseAnnotations(nullptr);
    SkipSeparator();
    return true;
  }

  bool ParseTypedef(Definition& def) {
    Take();
    def.kind = Definition::kTypedef;
    if (!ParseType(def.type, 0)) return false;
    def.loc = Peek().loc;
    if (!ExpectName(&def.name, "a typedef name")) return false;
    ParseAnnotations(&def.annotations);
    SkipSeparator();
    return true;
  }

  // `senum Name { "a", "b" }`, deprecated in Thrift: as in Apache Thrift,
  // a string (the listed values are not checked); here a typedef of string.
  bool ParseSenum(Definition& def) {
    const Loc kw = Take().loc;
    def.kind = Definition::kTypedef;
    def.type.kind = TypeRef::kBase;
    def.type.name = "string";
    def.type.base = Base::kString;
    def.type.loc = kw;
    def.loc = Peek().loc;
    if (!ExpectName(&def.name, "an senum name")) return false;
    Warning(kw, "'senum' is deprecated in Thrift; '" + def.name +
                    "' is a string and its listed values are not checked");
    if (!Expect('{', "after the senum's name")) return false;
    while (!IsPunct('}')) {
      if (Peek().kind != Token::kString) {
        Error(Peek(),
              "expected a string value in senum '" + def.name + "', found " + Describe(Peek()));
        return false;
      }
      Take();
      SkipSeparator();
    }
    Take();
    ParseAnnotations(&def.annotations);
    SkipSeparator();
    return true;
  }

  bool ParseConst(Definition& def) {
    Take();
    def.kind = Definition::kConst;
    if (!ParseType(def.type, 0)) return false;
    def.loc = Peek().loc;
    if (!ExpectName(&def.name, "a constant name")) return false;
    if (!Expect('=', "after the constant's name")) return false;
    if (!ParseConstValue(def.value, 0)) return false;
    SkipSeparator();
    return true;
  }

  bool ParseEnum(Definition& def) {
    Take();
    def.kind = Definition::kEnum;
    def.loc = Peek().loc;
    if (!ExpectName(&def.name, "an enum name")) return false;
    if (!Expect('{', "to open enum '" + def.name + "'")) return false;
    int64_t last = -1;
    while (!IsPunct('}')) {
      if (AtEof()) {
        Error(Peek(), "unterminated enum '" + def.name + "': expected '}'");
        return false;
      }
      EnumValue v;
      v.doc = Peek().doc;
      v.loc = Peek().loc;
      if (!ExpectName(&v.name, "an enum value name")) return false;
      if (Accept('=')) {
        const Token& n = Peek();
        if (n.kind != Token::kInt) {
          Error(n, "expected an integer for enum value '" + v.name + "', found " + Describe(n));
          return false;
        }
        Take();
        if (n.int_overflow || n.i < INT32_MIN || n.i > INT32_MAX) {
          Error(n, "enum value '" + v.name + "' = " + n.text + " does not fit in i32");
          v.value = 0;
        } else {
          v.value = n.i;
        }
        v.explicit_value = true;
      } else if (last == INT32_MAX) {
        Error(v.loc, "enum value '" + v.name + "' overflows i32 (the previous value is " +
                         std::to_string(last) + ")");
        v.value = 0;
      } else {
        v.value = last + 1;
      }
      last = v.value;
      ParseAnnotations(&v.annotations);
      SkipSeparator();
      def.values.push_back(std::move(v));
    }
    Take();
    ParseAnnotations(&def.annotations);
    SkipSeparator();
    return true;
  }

  bool ParseStruct(Definition& def) {
    const Token& kw = Take();
    const std::string what = kw.text;
    def.kind = what == "struct"  ? Definition::kStruct
               : what == "union" ? Definition::kUnion
                                 : Definition::kException;
    def.loc = Peek().loc;
    if (!ExpectName(&def.name, "a " + what + " name")) return false;
    if (IsWord("xsd_all")) Take();
    if (!Expect('{', "to open " + what + " '" + def.name + "'")) return false;
    if (!ParseFieldList('}', def.fields, /*in_args=*/false, 0)) return false;
    ParseAnnotations(&def.annotations);
    SkipSeparator();
    return true;
  }

  bool ParseService(Definition& def) {
    Take();
    def.kind = Definition::kService;
    def.loc = Peek().loc;
    if (!ExpectName(&def.name, "a service name")) return false;
    if (IsWord("extends")) {
      Take();
      def.extends_loc = Peek().loc;
      if (Peek().kind != Token::kIdent) {
        Error(Peek(), "expected a service name after 'extends', found " + Describe(Peek()));
        return false;
      }
      def.extends = Take().text;
    }
    if (!Expect('{', "to open service '" + def.name + "'")) return false;
    while (!IsPunct('}')) {
      if (AtEof()) {
        Error(Peek(), "unterminated service '" + def.name + "': expected '}'");
        return false;
      }
      Function f;
      f.doc = Peek().doc;
      if (IsWord("oneway") || IsWord("async")) {
        if (Peek().text == "async") Warning(Peek().loc, "'async' is deprecated; use 'oneway'");
        Take();
        f.oneway = true;
      }
      if (IsWord("void")) {
        Take();
        f.returns_void = true;
      } else if (!ParseType(f.result, 0)) {
        return false;
      }
      f.loc = Peek().loc;
      if (!ExpectName(&f.name, "a function name")) return false;
      if (!Expect('(', "after function name '" + f.name + "'")) return false;
      if (!ParseFieldList(')', f.args, /*in_args=*/true, 0)) return false;
      if (IsWord("throws")) {
        Take();
        if (!Expect('(', "after 'throws'")) return false;
        if (!ParseFieldList(')', f.throws, /*in_args=*/true, 0)) return false;
      }
      ParseAnnotations(&f.annotations);
      SkipSeparator();
      def.functions.push_back(std::move(f));
    }
    Take();
    ParseAnnotations(&def.annotations);
    SkipSeparator();
    return true;
  }

  // Fields up to `close` (consumed). Ids left out, or outside 1..32767, are
  // assigned -1, -2, ... in order, with a warning, as Apache does.
  bool ParseFieldList(char close, std::vector<Field>& fields, bool in_args, int depth) {
    if (depth > max_nesting_) {
      Error(Peek(), "field lists nested deeper than " + std::to_string(max_nesting_) + " levels");
      return false;
    }
    int32_t next_auto = -1;
    while (!IsPunct(close)) {
      if (AtEof()) {
        Error(Peek(), std::string("unterminated field list: expected '") + close + "'");
        return false;
      }
      Field f;
      f.doc = Peek().doc;
      std::string bad_id;  // why an explicit id was replaced
      Loc id_loc = Peek().loc;
      if (Peek().kind == Token::kInt && IsPunct(':', 1)) {
        const Token& id = Take();
        Take();
        if (id.int_overflow || id.i < INT16_MIN || id.i > INT16_MAX) {
          bad_id = "field id " + id.text + " is out of range (1..32767)";
        } else if (id.i <= 0) {
          bad_id = "field id " + id.text + " is not positive";
        } else {
          f.id = static_cast<int32_t>(id.i);
        }
      } else {
        f.explicit_id = false;
      }
      if (!bad_id.empty()) f.explicit_id = false;
      if (!f.explicit_id) f.id = next_auto--;
      if (IsWord("required")) {
        Take();
        f.req = Req::kRequired;
      } else if (IsWord("optional")) {
        const Loc loc = Take().loc;
        if (in_args) {
          Warning(loc, "'optional' is ignored in argument lists");
        } else {
          f.req = Req::kOptional;
        }
      }
      if (!ParseType(f.type, 0)) return false;
      if (Accept('&')) f.is_ref = true;
      f.loc = Peek().loc;
      if (!ExpectName(&f.name, "a field name", /*allow_keyword=*/true)) return false;
      if (!bad_id.empty()) {
        Warning(id_loc, bad_id + "; field '" + f.name + "' gets id " + std::to_string(f.id));
      } else if (!f.explicit_id) {
        Warning(f.loc, "field '" + f.name + "' has no id; it gets id " + std::to_string(f.id) +
                           " (give ids explicitly: implicit ones change when fields move)");
      }
      if (Accept('=')) {
        ConstValue v;
        if (!ParseConstValue(v, 0)) return false;
        f.value = std::move(v);
      }
      while (IsWord("xsd_optional") || IsWord("xsd_nillable")) Take();
      if (IsWord("xsd_attrs")) {
        Take();
        std::vector<Field> attrs;  // XML-only; parsed for validity, then dropped
        if (!Expect('{', "after 'xsd_attrs'")) return false;
        if (!ParseFieldList('}', attrs, false, depth + 1)) return false;
      }
      ParseAnnotations(&f.annotations);
      for (const auto& [k, v] : f.annotations) {
        if ((k == "cpp.ref" || k == "cpp2.ref") && v != "false" && v != "0") f.is_ref = true;
        if ((k == "cpp.ref_type" || k == "cpp2.ref_type") && !v.empty()) f.is_ref = true;
      }
      SkipSeparator();
      fields.push_back(std::move(f));
    }
    Take();
    return true;
  }

  // ---- types and values -------------------------------------------------------------
  bool ParseType(TypeRef& t, int depth) {
    if (depth > max_nesting_) {
      Error(Peek(), "types nested deeper than " + std::to_string(max_nesting_) + " levels");
      return false;
    }
    const Token& tok = Peek();
    t.loc = tok.loc;
    if (tok.kind == Token::kIdent) {
      t.kind = TypeRef::kNamed;
      t.name = Take().text;
      ParseAnnotations(&t.annotations);
      return true;
    }
    if (tok.kind != Token::kKeyword) {
      Error(tok, "expected a type, found " + Describe(tok));
      return false;
    }
    const std::string name = tok.text;
    for (const auto& b : kBaseTypes) {
      if (b.name == name) {
        Take();
        t.kind = TypeRef::kBase;
        t.name = name;
        t.base = b.base;
        ParseAnnotations(&t.annotations);
        return true;
      }
    }
    if (name == "list" || name == "set") {
      Take();
      t.kind = name == "list" ? TypeRef::kList : TypeRef::kSet;
      if (name == "set") SkipCppType();
      if (!Expect('<', "after '" + name + "'")) return false;
      t.elem = std::make_shared<TypeRef>();
      if (!ParseType(*t.elem, depth + 1)) return false;
      if (!Expect('>', "to close '" + name + "<'")) return false;
      if (name == "list") SkipCppType();
    } else if (name == "map") {
      Take();
      t.kind = TypeRef::kMap;
      SkipCppType();
      if (!Expect('<', "after 'map'")) return false;
      t.key = std::make_shared<TypeRef>();
      if (!ParseType(*t.key, depth + 1)) return false;
      if (!Expect(',', "between the map's key and value types")) return false;
      t.elem = std::make_shared<TypeRef>();
      if (!ParseType(*t.elem, depth + 1)) return false;
      if (!Expect('>', "to close 'map<'")) return false;
    } else if (name == "void") {
      Error(tok, "'void' is only allowed as a function's return type");
      return false;
    } else if (name == "senum" || name == "slist") {
      Error(tok, "'" + name + "' is not supported (deprecated in Thrift and removed here)");
      return false;
    } else {
      Error(tok, "expected a type, found keyword '" + name + "'");
      return false;
    }
    ParseAnnotations(&t.annotations);
    return true;
  }

  // `cpp_type "T"` after a container: a hint for Apache's C++ generator,
  // which Tern's generator does not use; kept as an annotation would be
  // misleading, so it is skipped.
  void SkipCppType() {
    if (!IsWord("cpp_type")) return;
    Take();
    if (Peek().kind == Token::kString) {
      Take();
    } else {
      Error(Peek(), "expected a type name in quotes after 'cpp_type', found " + Describe(Peek()));
    }
  }

  bool ParseConstValue(ConstValue& v, int depth) {
    if (depth > max_nesting_) {
      Error(Peek(),
            "constant values nested deeper than " + std::to_string(max_nesting_) + " levels");
      return false;
    }
    const Token& tok = Peek();
    v.loc = tok.loc;
    switch (tok.kind) {
      case Token::kInt:
        Take();
        if (tok.int_overflow) {
          Error(tok, "integer constant " + tok.text + " does not fit in i64");
          return false;
        }
        v.kind = ConstValue::kInt;
        v.i = tok.i;
        return true;
      case Token::kDouble:
        Take();
        v.kind = ConstValue::kDouble;
        v.d = tok.d;
        return true;
      case Token::kString:
        Take();
        v.kind = ConstValue::kString;
        v.s = tok.text;
        return true;
      case Token::kIdent:
        Take();
        v.kind = ConstValue::kIdentifier;
        v.s = tok.text;
        return true;
      case Token::kPunct:
        if (tok.text[0] == '[') {
          Take();
          v.kind = ConstValue::kList;
          while (!IsPunct(']')) {
            if (AtEof()) {
              Error(Peek(), "unterminated list constant: expected ']'");
              return false;
            }
            ConstValue& e = v.list.emplace_back();
            if (!ParseConstValue(e, depth + 1)) return false;
            SkipSeparator();
          }
          Take();
          return true;
        }
        if (tok.text[0] == '{') {
          Take();
          v.kind = ConstValue::kMap;
          while (!IsPunct('}')) {
            if (AtEof()) {
              Error(Peek(), "unterminated map constant: expected '}'");
              return false;
            }
            ConstMapEntry& e = v.map.emplace_back();
            if (!ParseConstValue(e.key, depth + 1)) return false;
            if (!Expect(':', "between a map constant's key and value")) return false;
            if (!ParseConstValue(e.value, depth + 1)) return false;
            SkipSeparator();
          }
          Take();
          return true;
        }
        break;
      case Token::kKeyword:
      case Token::kEof:
        break;
    }
    Error(tok, "expected a constant value, found " + Describe(tok));
    return false;
  }

  // ( key = "value", key2 = "v2", flag ); `out` may be null to discard.
  void ParseAnnotations(Annotations* out) {
    if (!IsPunct('(')) return;
    // '(' after a type or definition opens annotations only when it looks
    // like them; otherwise it belongs to the caller (and is an error there).
    const Token& next = Peek(1);
    if (!(next.kind == Token::kIdent || next.kind == Token::kKeyword || IsPunct(')', 1))) return;
    Take();
    while (!IsPunct(')')) {
      if (AtEof()) {
        Error(Peek(), "unterminated annotation list: expected ')'");
        return;
      }
      if (Peek().kind != Token::kIdent && Peek().kind != Token::kKeyword) {
        Error(Peek(), "expected an annotation name, found " + Describe(Peek()));
        Take();
        continue;
      }
      const Token& name = Take();
      std::string key = name.text;
      if (key == "cpp.type" || key == "cpp.template") {
        // Apache's C++ generator replaces the type or container with the
        // one named; Tern's generated code and TypeInfo use their own.
        Warning(name.loc, "annotation '" + key + "' is ignored: tern gen emits its own C++ types");
      }
      std::string value = "1";
      if (Accept('=')) {
        const Token& v = Peek();
        // Apache takes string literals only; numbers and bare words are
        // accepted too, since a generator reads them as text anyway.
        if (v.kind == Token::kString || v.kind == Token::kInt || v.kind == Token::kDouble ||
            v.kind == Token::kIdent) {
          value = Take().text;
        } else {
          Error(v, "expected a string after '" + key + " =', found " + Describe(v));
        }
      }
      if (out != nullptr) out->emplace_back(std::move(key), std::move(value));
      SkipSeparator();
    }
    Take();
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  Program& p_;
  Diagnostics& d_;
  int max_nesting_;
  bool seen_definition_ = false;
};

}  // namespace

void Parse(const SourceFile& src, Program& program, Diagnostics& diags, int max_nesting) {
  std::vector<Token> tokens = Lex(src, diags);
  Parser(std::move(tokens), program, diags, max_nesting).Run();
}

}  // namespace tern::idl
