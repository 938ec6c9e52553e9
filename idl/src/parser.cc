#include "parser.h"

#include <set>

#include "lexer.h"

namespace tern::idl {

namespace {

const std::set<std::string> kBaseTypes = {"bool", "byte",   "i8",     "i16",   "i32",
                                          "i64",  "double", "string", "binary"};

class Parser {
 public:
  Parser(std::vector<Token> tokens, Program& p, Diagnostics& d, int max_nesting)
      : t_(std::move(tokens)), p_(p), d_(d), max_nesting_(max_nesting) {}

  void Run() {
    // Headers, then definitions (Apache also allows them interleaved only in
    // that order; we accept headers anywhere before the first definition).
    while (!AtEof() && !d_.full()) {
      const size_t before = pos_;
      if (!ParseTopLevel()) {
        Recover();
        if (pos_ == before) ++pos_;
      }
    }
  }

 private:
  // ---- tokens -----------------------------------------------------------
  const Token& Peek(size_t k = 0) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  bool AtEof() const { return Peek().kind == Token::kEof; }
  bool IsPunct(const char* p, size_t k = 0) const {
    return Peek(k).kind == Token::kPunct && Peek(k).text == p;
  }
  bool IsWord(const char* w, size_t k = 0) const {
    return Peek(k).kind == Token::kIdent && Peek(k).text == w;
  }
  Token Take() {
    Token t = Peek();
    if (pos_ < t_.size() - 1) ++pos_;
    return t;
  }
  bool Accept(const char* punct) {
    if (IsPunct(punct)) {
      Take();
      return true;
    }
    return false;
  }
  void Error(const Token& at, const std::string& msg) { d_.Error(p_.path, at.loc, msg); }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Token::kEof:
        return "end of file";
      case Token::kIdent:
        return "'" + t.text + "'";
      case Token::kString:
        return "a string literal";
      case Token::kInt:
      case Token::kDouble:
        return "number '" + t.text + "'";
      case Token::kPunct:
        return "'" + t.text + "'";
    }
    return "?";
  }
  bool Expect(const char* punct, const char* context) {
    if (Accept(punct)) return true;
    Error(Peek(),
          std::string("expected '") + punct + "' " + context + ", found " + Describe(Peek()));
    return false;
  }
  bool ExpectIdent(std::string* out, const char* what) {
    if (Peek().kind != Token::kIdent) {
      Error(Peek(), std::string("expected ") + what + ", found " + Describe(Peek()));
      return false;
    }
    *out = Take().text;
    return true;
  }
  void SkipSeparator() {
    if (IsPunct(",") || IsPunct(";")) Take();
  }
  // Skips to the next plausible definition start after an error.
  void Recover() {
    int depth = 0;
    while (!AtEof()) {
      if (IsPunct("{")) ++depth;
      if (IsPunct("}")) {
        Take();
        if (--depth <= 0) return;
        continue;
      }
      if (depth <= 0 && Peek().kind == Token::kIdent) {
        static const std::set<std::string> kStarts = {
            "struct",  "union", "exception", "enum",      "service",
            "typedef", "const", "include",   "namespace", "cpp_include"};
        if (kStarts.count(Peek().text) != 0) return;
      }
      Take();
    }
  }

  // ---- top level -----------------------------------------------------------
  bool ParseTopLevel() {
    const Token& t = Peek();
    if (t.kind != Token::kIdent) {
      Error(t, "expected a definition (struct, enum, service, ...), found " + Describe(t));
      return false;
    }
    if (t.text == "include" || t.text == "cpp_include") {
      const bool cpp = t.text == "cpp_include";
      Token kw = Take();
      if (Peek().kind != Token::kString) {
        Error(Peek(), "expected a file name in quotes after '" + kw.text + "'");
        return false;
      }
      Token path = Take();
      if (cpp) {
        p_.cpp_includes.push_back(path.text);
      } else {
        p_.includes.push_back({path.text, kw.loc, nullptr});
      }
      SkipSeparator();
      return true;
    }
    if (t.text == "namespace") {
      Take();
      std::string lang;
      if (Accept("*")) {
        lang = "*";
      } else if (!ExpectIdent(&lang, "a language after 'namespace'")) {
        return false;
      }
      std::string ns;
      if (Peek().kind == Token::kString) {
        ns = Take().text;
      } else if (!ExpectIdent(&ns, "a namespace name")) {
        return false;
      }
      p_.namespaces[lang] = ns;
      ParseAnnotations(nullptr);
      SkipSeparator();
      return true;
    }
    if (t.text == "php_namespace" || t.text == "xsd_namespace" || t.text == "senum" ||
        t.text == "slist") {
      Error(t, "'" + t.text + "' is not supported (removed from Thrift)");
      return false;
    }
    auto def = std::make_unique<Definition>();
    def->doc = t.doc;
    def->loc = t.loc;
    def->program = &p_;
    bool ok = false;
    if (t.text == "typedef") {
      ok = ParseTypedef(*def);
    } else if (t.text == "const") {
      ok = ParseConst(*def);
    } else if (t.text == "enum") {
      ok = ParseEnum(*def);
    } else if (t.text == "struct" || t.text == "union" || t.text == "exception") {
      ok = ParseStruct(*def);
    } else if (t.text == "service") {
      ok = ParseService(*def);
    } else {
      Error(t,
            "expected a definition (struct, union, exception, enum, const, typedef, service), "
            "found " +
                Describe(t));
      return false;
    }
    if (ok) p_.definitions.push_back(std::move(def));
    return ok;
  }

  bool ParseTypedef(Definition& def) {
    Take();
    def.kind = Definition::kTypedef;
    if (!ParseType(def.type, 0)) return false;
    if (!ExpectIdent(&def.name, "a name for the typedef")) return false;
    def.loc = t_[pos_ - 1].loc;
    ParseAnnotations(&def.annotations);
    SkipSeparator();
    return true;
  }

  bool ParseConst(Definition& def) {
    Take();
    def.kind = Definition::kConst;
    if (!ParseType(def.type, 0)) return false;
    if (!ExpectIdent(&def.name, "a name for the constant")) return false;
    if (!Expect("=", "after the constant's name")) return false;
    if (!ParseConstValue(def.value, 0)) return false;
    SkipSeparator();
    return true;
  }

  bool ParseEnum(Definition& def) {
    Take();
    def.kind = Definition::kEnum;
    if (!ExpectIdent(&def.name, "a name for the enum")) return false;
    if (!Expect("{", "to open the enum")) return false;
    int64_t next = 0;
    while (!IsPunct("}")) {
      if (AtEof()) {
        Error(Peek(), "unterminated enum '" + def.name + "': expected '}'");
        return false;
      }
      EnumValue v;
      v.doc = Peek().doc;
      v.loc = Peek().loc;
      if (!ExpectIdent(&v.name, "an enum value name")) return false;
      if (Accept("=")) {
        if (Peek().kind != Token::kInt) {
          Error(Peek(), "expected an integer value for enum value '" + v.name + "', found " +
                            Describe(Peek()));
          return false;
        }
        const Token n = Take();
        if (n.int_overflow || n.i < INT32_MIN || n.i > INT32_MAX) {
          Error(n, "enum value '" + v.name + "' = " + n.text + " does not fit in i32");
        }
        v.value = n.i;
        v.explicit_value = true;
      } else {
        v.value = next;
        if (next > INT32_MAX) Error(Peek(), "enum value '" + v.name + "' overflows i32");
      }
      next = v.value < INT64_MAX ? v.value + 1 : v.value;  // out-of-range values were reported
      ParseAnnotations(nullptr);
      SkipSeparator();
      def.values.push_back(std::move(v));
    }
    Take();
    ParseAnnotations(&def.annotations);
    return true;
  }

  bool ParseStruct(Definition& def) {
    const Token kw = Take();
    def.kind = kw.text == "struct"  ? Definition::kStruct
               : kw.text == "union" ? Definition::kUnion
                                    : Definition::kException;
    if (!ExpectIdent(&def.name, ("a name for the " + kw.text).c_str())) return false;
    if (IsWord("xsd_all")) Take();
    if (!Expect("{", ("to open " + kw.text + " '" + def.name + "'").c_str())) return false;
    if (!ParseFieldList("}", def.fields)) return false;
    ParseAnnotations(&def.annotations);
    return true;
  }

  bool ParseService(Definition& def) {
    Take();
    def.kind = Definition::kService;
    if (!ExpectIdent(&def.name, "a name for the service")) return false;
    if (IsWord("extends")) {
      Take();
      if (!ExpectIdent(&def.extends, "a service name after 'extends'")) return false;
    }
    if (!Expect("{", ("to open service '" + def.name + "'").c_str())) return false;
    while (!IsPunct("}")) {
      if (AtEof()) {
        Error(Peek(), "unterminated service '" + def.name + "': expected '}'");
        return false;
      }
      Function f;
      f.doc = Peek().doc;
      f.loc = Peek().loc;
      if (IsWord("oneway")) {
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
      if (!ExpectIdent(&f.name, "a function name")) return false;
      if (!Expect("(", ("after function name '" + f.name + "'").c_str())) return false;
      if (!ParseFieldList(")", f.args)) return false;
      if (IsWord("throws")) {
        Take();
        if (!Expect("(", "after 'throws'")) return false;
        if (!ParseFieldList(")", f.throws)) return false;
      }
      ParseAnnotations(&f.annotations);
      SkipSeparator();
      def.functions.push_back(std::move(f));
    }
    Take();
    ParseAnnotations(&def.annotations);
    return true;
  }

  // Fields up to `close` (consumed). Implicit ids count down from -1.
  bool ParseFieldList(const char* close, std::vector<Field>& fields) {
    int32_t implicit = -1;
    while (!IsPunct(close)) {
      if (AtEof()) {
        Error(Peek(), std::string("unterminated field list: expected '") + close + "'");
        return false;
      }
      Field f;
      f.doc = Peek().doc;
      f.loc = Peek().loc;
      if (Peek().kind == Token::kInt && IsPunct(":", 1)) {
        const Token id = Take();
        Take();
        if (id.int_overflow || id.i < INT16_MIN || id.i > INT16_MAX) {
          Error(id, "field id " + id.text + " does not fit in i16");
        } else if (id.i == 0) {
          Error(id, "field id 0 is reserved (ids must be non-zero)");
        }
        f.id = static_cast<int32_t>(id.i);
      } else {
        f.explicit_id = false;
        f.id = implicit--;
      }
      if (IsWord("required")) {
        Take();
        f.req = Req::kRequired;
      } else if (IsWord("optional")) {
        Take();
        f.req = Req::kOptional;
      }
      if (!ParseType(f.type, 0)) return false;
      if (Accept("&")) f.is_ref = true;
      f.loc = Peek().loc;
      if (!ExpectIdent(&f.name, "a field name")) return false;
      if (f.name.find('.') != std::string::npos) {
        Error(t_[pos_ - 1], "field name '" + f.name + "' must not contain '.'");
      }
      if (!f.explicit_id) {
        d_.Warning(p_.path, f.loc,
                   "field '" + f.name + "' has no id; assigned " + std::to_string(f.id) +
                       " (give ids explicitly)");
      }
      if (Accept("=")) {
        ConstValue v;
        if (!ParseConstValue(v, 0)) return false;
        f.value = std::move(v);
      }
      while (IsWord("xsd_optional") || IsWord("xsd_nillable")) Take();
      ParseAnnotations(&f.annotations);
      for (const auto& [k, v] : f.annotations) {
        if ((k == "cpp.ref" || k == "cpp2.ref") && v != "false") f.is_ref = true;
        if ((k == "cpp.ref_type" || k == "cpp2.ref_type") && !v.empty()) f.is_ref = true;
      }
      SkipSeparator();
      fields.push_back(std::move(f));
    }
    Take();
    return true;
  }

  // ---- types and values ----------------------------------------------------
  bool ParseType(TypeRef& t, int depth) {
    if (depth > max_nesting_) {
      Error(Peek(), "types nested deeper than " + std::to_string(max_nesting_) + " levels");
      return false;
    }
    const Token& tok = Peek();
    t.loc = tok.loc;
    if (tok.kind != Token::kIdent) {
      Error(tok, "expected a type, found " + Describe(tok));
      return false;
    }
    const std::string name = tok.text;
    if (name == "list" || name == "set") {
      Take();
      t.kind = name == "list" ? TypeRef::kList : TypeRef::kSet;
      SkipCppType();
      if (!Expect("<", ("after '" + name + "'").c_str())) return false;
      t.elem = std::make_shared<TypeRef>();
      if (!ParseType(*t.elem, depth + 1)) return false;
      if (!Expect(">", ("to close '" + name + "<'").c_str())) return false;
      SkipCppType();
    } else if (name == "map") {
      Take();
      t.kind = TypeRef::kMap;
      SkipCppType();
      if (!Expect("<", "after 'map'")) return false;
      t.key = std::make_shared<TypeRef>();
      if (!ParseType(*t.key, depth + 1)) return false;
      if (!Expect(",", "between the map's key and value types")) return false;
      t.elem = std::make_shared<TypeRef>();
      if (!ParseType(*t.elem, depth + 1)) return false;
      if (!Expect(">", "to close 'map<'")) return false;
    } else if (kBaseTypes.count(name) != 0) {
      Take();
      t.kind = TypeRef::kBase;
      t.name = name;
    } else if (name == "void") {
      Error(tok, "'void' is only allowed as a function's return type");
      return false;
    } else {
      Take();
      t.kind = TypeRef::kNamed;
      t.name = name;
    }
    ParseAnnotations(&t.annotations);
    return true;
  }

  void SkipCppType() {
    if (IsWord("cpp_type") && Peek(1).kind == Token::kString) {
      Take();
      Take();
    }
  }

  bool ParseConstValue(ConstValue& v, int depth) {
    if (depth > max_nesting_) {
      Error(Peek(),
            "constant values nested deeper than " + std::to_string(max_nesting_) + " levels");
      return false;
    }
    const Token tok = Peek();
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
        if (tok.text == "[") {
          Take();
          v.kind = ConstValue::kList;
          while (!IsPunct("]")) {
            if (AtEof()) {
              Error(Peek(), "unterminated list constant: expected ']'");
              return false;
            }
            ConstValue e;
            if (!ParseConstValue(e, depth + 1)) return false;
            v.list.push_back(std::move(e));
            SkipSeparator();
          }
          Take();
          return true;
        }
        if (tok.text == "{") {
          Take();
          v.kind = ConstValue::kMap;
          while (!IsPunct("}")) {
            if (AtEof()) {
              Error(Peek(), "unterminated map constant: expected '}'");
              return false;
            }
            ConstValue k, e;
            if (!ParseConstValue(k, depth + 1)) return false;
            if (!Expect(":", "between a map constant's key and value")) return false;
            if (!ParseConstValue(e, depth + 1)) return false;
            v.map.push_back({std::move(k), std::move(e)});
            SkipSeparator();
          }
          Take();
          return true;
        }
        break;
      case Token::kEof:
        break;
    }
    Error(tok, "expected a constant value, found " + Describe(tok));
    return false;
  }

  // ( key = "value", key2 = "v2" ); `out` may be null to discard.
  void ParseAnnotations(Annotations* out) {
    if (!IsPunct("(")) return;
    // A '(' after a type/definition is an annotation list only when it looks
    // like one: `( ident [= literal] ...)`.
    if (!(Peek(1).kind == Token::kIdent || IsPunct(")", 1))) return;
    Take();
    while (!IsPunct(")")) {
      if (AtEof()) {
        Error(Peek(), "unterminated annotation list: expected ')'");
        return;
      }
      std::string key;
      if (!ExpectIdent(&key, "an annotation name")) {
        Take();
        continue;
      }
      std::string value = "1";
      if (Accept("=")) {
        if (Peek().kind == Token::kString || Peek().kind == Token::kInt ||
            Peek().kind == Token::kIdent) {
          value = Take().text;
        } else {
          Error(Peek(), "expected a string after '" + key + " ='");
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
};

}  // namespace

void Parse(const std::string& text, Program& program, Diagnostics& diags, int max_nesting) {
  std::vector<Token> tokens = Lex(program.path, text, diags);
  Parser(std::move(tokens), program, diags, max_nesting).Run();
}

}  // namespace tern::idl
