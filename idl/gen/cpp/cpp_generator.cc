#include "idl/gen/cpp/cpp_generator.h"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace tern::gen {

namespace {

// ---- text output -------------------------------------------------------------

class Out {
 public:
  // Appends one line at the current indentation (an empty line stays empty).
  Out& L(const std::string& line = "") {
    if (!line.empty()) s_.append(static_cast<size_t>(indent_) * 2, ' ');
    s_ += line;
    s_ += '\n';
    return *this;
  }
  void In() { ++indent_; }
  void Un() { --indent_; }
  std::string& str() { return s_; }

 private:
  std::string s_;
  int indent_ = 0;
};

std::string Num(long long v) { return std::to_string(v); }

// ---- types -------------------------------------------------------------------

bool IsFixed(const Type& t) {
  switch (t.kind) {
    case Kind::kBool:
    case Kind::kI8:
    case Kind::kI16:
    case Kind::kI32:
    case Kind::kI64:
    case Kind::kDouble:
    case Kind::kEnum:
      return true;
    default:
      return false;
  }
}

size_t FixedSize(const Type& t) {
  switch (t.kind) {
    case Kind::kBool:
    case Kind::kI8:
      return 1;
    case Kind::kI16:
      return 2;
    case Kind::kI32:
    case Kind::kEnum:
      return 4;
    case Kind::kI64:
    case Kind::kDouble:
      return 8;
    default:
      return 0;
  }
}

// Numeric lists converted by the SIMD kernels in one call.
const char* KernelSuffix(const Type& t) {
  switch (t.kind) {
    case Kind::kI16:
      return "i16";
    case Kind::kI32:
      return "i32";
    case Kind::kI64:
      return "i64";
    case Kind::kDouble:
      return "f64";
    default:
      return nullptr;
  }
}
thread_local AllocMode g_alloc_mode = AllocMode::kStd;

bool Pmr() { return g_alloc_mode == AllocMode::kPmr; }

}  // namespace

ScopedAllocMode::ScopedAllocMode(AllocMode m) : saved_(g_alloc_mode) { g_alloc_mode = m; }
ScopedAllocMode::~ScopedAllocMode() { g_alloc_mode = saved_; }
AllocMode CurrentAllocMode() { return g_alloc_mode; }

std::string CppStringType() { return Pmr() ? "std::pmr::string" : "std::string"; }

std::string CppTypeName(const Type& t) {
  switch (t.kind) {
    case Kind::kBool:
      return "bool";
    case Kind::kI8:
      return "int8_t";
    case Kind::kI16:
      return "int16_t";
    case Kind::kI32:
      return "int32_t";
    case Kind::kI64:
      return "int64_t";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
    case Kind::kBinary:
      return CppStringType();
    case Kind::kEnum:
    case Kind::kStruct:
      return t.cpp_name;
    case Kind::kList:
      return std::string(Pmr() ? "std::pmr::vector<" : "std::vector<") + CppTypeName(*t.elem) + ">";
    case Kind::kSet:
      return std::string(Pmr() ? "std::pmr::set<" : "std::set<") + CppTypeName(*t.elem) + ">";
    case Kind::kMap:
      return std::string(Pmr() ? "std::pmr::map<" : "std::map<") + CppTypeName(*t.key) + ", " +
             CppTypeName(*t.elem) + ">";
  }
  return "void";
}

std::string CppFieldTypeName(const Field& f) {
  if (f.indirect) return "std::unique_ptr<" + CppTypeName(f.type) + ">";
  return CppTypeName(f.type);
}

namespace {

std::string CppType(const Type& t) { return CppTypeName(t); }

std::string FieldCppType(const Field& f) { return CppFieldTypeName(f); }

const char* TTypeName(const Type& t) {
  switch (t.kind) {
    case Kind::kBool:
      return "kBool";
    case Kind::kI8:
      return "kByte";
    case Kind::kI16:
      return "kI16";
    case Kind::kI32:
    case Kind::kEnum:
      return "kI32";
    case Kind::kI64:
      return "kI64";
    case Kind::kDouble:
      return "kDouble";
    case Kind::kString:
    case Kind::kBinary:
      return "kString";
    case Kind::kStruct:
      return "kStruct";
    case Kind::kList:
      return "kList";
    case Kind::kSet:
      return "kSet";
    case Kind::kMap:
      return "kMap";
  }
  return "kStop";
}
std::string TT(const Type& t) { return std::string("::tern::TType::") + TTypeName(t); }
int TTypeId(const Type& t) {
  switch (t.kind) {
    case Kind::kBool:
      return 2;
    case Kind::kI8:
      return 3;
    case Kind::kDouble:
      return 4;
    case Kind::kI16:
      return 6;
    case Kind::kI32:
    case Kind::kEnum:
      return 8;
    case Kind::kI64:
      return 10;
    case Kind::kString:
    case Kind::kBinary:
      return 11;
    case Kind::kStruct:
      return 12;
    case Kind::kMap:
      return 13;
    case Kind::kSet:
      return 14;
    case Kind::kList:
      return 15;
  }
  return 0;
}
// Least bytes of one value on the wire (for container count checks).
size_t MinWire(const Type& t) {
  if (IsFixed(t)) return FixedSize(t);
  switch (t.kind) {
    case Kind::kString:
    case Kind::kBinary:
      return 4;
    case Kind::kStruct:
      return 1;
    case Kind::kList:
    case Kind::kSet:
      return 5;
    case Kind::kMap:
      return 6;
    default:
      return 1;
  }
}

// True when writing this type may append payloads by reference.
bool MayRef(const Type& t) {
  switch (t.kind) {
    case Kind::kString:
    case Kind::kBinary:
    case Kind::kStruct:
      return true;
    case Kind::kList:
    case Kind::kSet:
      return MayRef(*t.elem);
    case Kind::kMap:
      return MayRef(*t.key) || MayRef(*t.elem);
    default:
      return false;
  }
}

// AllocMode::kPmr: whether a value of type t takes an allocator (a pmr
// string or container, or a struct holding one by value). Always false in
// the default mode.
bool StructAllocAware(const Struct& s);
bool AllocAware(const Type& t) {
  if (!Pmr()) return false;
  switch (t.kind) {
    case Kind::kString:
    case Kind::kBinary:
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
      return true;
    case Kind::kStruct:
      return t.has_alloc_members;
    default:
      return false;
  }
}
// By-value members only: a recursive (`&`) field is a unique_ptr, allocated
// with new (and a by-value cycle cannot exist, so this terminates).
bool StructAllocAware(const Struct& s) {
  if (!Pmr()) return false;
  for (const Field& f : s.fields) {
    if (!f.indirect && AllocAware(f.type)) return true;
  }
  return false;
}

// The allocator argument for the pointee of recursive field f of s (a
// unique_ptr, itself from new): s's allocator when both take one, so the
// pointee's strings and containers live in s's arena too; else empty.
std::string PointeeAlloc(const Struct& s, const Field& f) {
  return StructAllocAware(s) && AllocAware(f.type) ? "this->get_allocator()" : "";
}

// A temporary of type t named `name`, on the allocator of container `c` when
// it takes one (so moving it into c moves instead of copying).
std::string Temp(const Type& t, const std::string& name, const std::string& c) {
  if (AllocAware(t)) return CppType(t) + " " + name + "(" + c + ".get_allocator());";
  return CppType(t) + " " + name + "{};";
}

// ---- per-value code ------------------------------------------------------------

// Statements adding the encoded size of value `v` (of type t) to `n`.
// The loop over the elements of container `v` for EmitSize and EmitWrite,
// naming them e<d> (list, set) or k<d>, v<d> (map). Sets and maps walk their
// tree through gen::ForEachSorted (a lambda: references, not structured
// bindings, so nested loops can capture them).
void OpenEach(Out& o, const Type& t, const std::string& v, const std::string& d) {
  if (t.kind == Kind::kList) {
    o.L("for (const auto& e" + d + " : " + v + ") {");
  } else if (t.kind == Kind::kSet) {
    o.L("::tern::gen::ForEachSorted(" + v + ", [&](const auto& e" + d + ") {");
  } else {
    o.L("::tern::gen::ForEachSorted(" + v + ", [&](const auto& kv" + d + ") {");
    o.In();
    o.L("const auto& k" + d + " = kv" + d + ".first;");
    o.L("const auto& v" + d + " = kv" + d + ".second;");
    o.L("(void)k" + d + ";");  // a fixed-size key or value adds no statement to BLength
    o.L("(void)v" + d + ";");
    return;
  }
  o.In();
}
void CloseEach(Out& o, const Type& t) {
  o.Un();
  o.L(t.kind == Kind::kList ? "}" : "});");
}

void EmitSize(Out& o, const Type& t, const std::string& v, int depth) {
  if (IsFixed(t)) {
    o.L("n += " + Num(static_cast<long long>(FixedSize(t))) + ";");
    return;
  }
  const std::string d = Num(depth);
  switch (t.kind) {
    case Kind::kString:
    case Kind::kBinary:
      o.L("n += 4 + " + v + ".size();");
      return;
    case Kind::kStruct:
      o.L("n += " + v + ".BLength();");
      return;
    case Kind::kList:
    case Kind::kSet:
      if (IsFixed(*t.elem)) {
        o.L("n += 5 + " + Num(static_cast<long long>(FixedSize(*t.elem))) + " * " + v + ".size();");
        return;
      }
      o.L("n += 5;");
      OpenEach(o, t, v, d);
      EmitSize(o, *t.elem, "e" + d, depth + 1);
      CloseEach(o, t);
      return;
    case Kind::kMap:
      if (IsFixed(*t.key) && IsFixed(*t.elem)) {
        o.L("n += 6 + " + Num(static_cast<long long>(FixedSize(*t.key) + FixedSize(*t.elem))) +
            " * " + v + ".size();");
        return;
      }
      o.L("n += 6;");
      OpenEach(o, t, v, d);
      EmitSize(o, *t.key, "k" + d, depth + 1);
      EmitSize(o, *t.elem, "v" + d, depth + 1);
      CloseEach(o, t);
      return;
    default:
      return;
  }
}

// Statements writing value `v` at `p` (advancing p).
void EmitWrite(Out& o, const Type& t, const std::string& v, int depth) {
  const std::string d = Num(depth);
  switch (t.kind) {
    case Kind::kBool:
      o.L("p = ::tern::wire::PutBool(p, " + v + ");");
      return;
    case Kind::kI8:
      o.L("p = ::tern::wire::PutU8(p, static_cast<uint8_t>(" + v + "));");
      return;
    case Kind::kI16:
      o.L("p = ::tern::wire::PutI16(p, " + v + ");");
      return;
    case Kind::kI32:
      o.L("p = ::tern::wire::PutI32(p, " + v + ");");
      return;
    case Kind::kEnum:
      o.L("p = ::tern::wire::PutI32(p, static_cast<int32_t>(" + v + "));");
      return;
    case Kind::kI64:
      o.L("p = ::tern::wire::PutI64(p, " + v + ");");
      return;
    case Kind::kDouble:
      o.L("p = ::tern::wire::PutDouble(p, " + v + ");");
      return;
    case Kind::kString:
    case Kind::kBinary:
      o.L("p = ::tern::wire::PutString(p, " + v + ");");
      return;
    case Kind::kStruct:
      o.L("p = " + v + ".FastWrite(p);");
      return;
    case Kind::kList:
    case Kind::kSet: {
      o.L("p = ::tern::wire::PutListBegin(p, " + TT(*t.elem) + ", " + v + ".size());");
      const char* ks = t.kind == Kind::kList ? KernelSuffix(*t.elem) : nullptr;
      if (ks != nullptr) {
        o.L("::tern::Kernels()." + std::string(ks) + "_to_be(" + v + ".data(), " + v +
            ".size(), p);");
        o.L("p += " + Num(static_cast<long long>(FixedSize(*t.elem))) + " * " + v + ".size();");
        return;
      }
      if (t.kind == Kind::kList && t.elem->kind == Kind::kI8) {
        o.L("if (!" + v + ".empty()) std::memcpy(p, " + v + ".data(), " + v + ".size());");
        o.L("p += " + v + ".size();");
        return;
      }
      if (t.elem->kind == Kind::kBool) {
        o.L("for (bool e" + d + " : " + v + ") p = ::tern::wire::PutBool(p, e" + d + ");");
        return;
      }
      OpenEach(o, t, v, d);
      EmitWrite(o, *t.elem, "e" + d, depth + 1);
      CloseEach(o, t);
      return;
    }
    case Kind::kMap:
      o.L("p = ::tern::wire::PutMapBegin(p, " + TT(*t.key) + ", " + TT(*t.elem) + ", " + v +
          ".size());");
      OpenEach(o, t, v, d);
      EmitWrite(o, *t.key, "k" + d, depth + 1);
      EmitWrite(o, *t.elem, "v" + d, depth + 1);
      CloseEach(o, t);
      return;
  }
}

// Statements reading one value of type t into lvalue `v` from [p, end); on
// error they return nullptr from the enclosing reader (err already set).
void EmitRead(Out& o, const Type& t, const std::string& v, int depth) {
  const std::string d = Num(depth);
  const std::string trunc = "return ::tern::gen::Fail(err, ::tern::gen::ReadError::kTruncated);";
  switch (t.kind) {
    case Kind::kBool:
      o.L("if (TERN_UNLIKELY(end - p < 1)) " + trunc);
      o.L(v + " = *p++ != 0;");
      return;
    case Kind::kI8:
      o.L("if (TERN_UNLIKELY(end - p < 1)) " + trunc);
      o.L(v + " = static_cast<int8_t>(*p++);");
      return;
    case Kind::kI16:
      o.L("if (TERN_UNLIKELY(end - p < 2)) " + trunc);
      o.L(v + " = ::tern::wire::LoadI16(p);");
      o.L("p += 2;");
      return;
    case Kind::kI32:
      o.L("if (TERN_UNLIKELY(end - p < 4)) " + trunc);
      o.L(v + " = ::tern::wire::LoadI32(p);");
      o.L("p += 4;");
      return;
    case Kind::kEnum:
      o.L("if (TERN_UNLIKELY(end - p < 4)) " + trunc);
      o.L(v + " = static_cast<" + t.cpp_name + ">(::tern::wire::LoadI32(p));");
      o.L("p += 4;");
      return;
    case Kind::kI64:
      o.L("if (TERN_UNLIKELY(end - p < 8)) " + trunc);
      o.L(v + " = ::tern::wire::LoadI64(p);");
      o.L("p += 8;");
      return;
    case Kind::kDouble:
      o.L("if (TERN_UNLIKELY(end - p < 8)) " + trunc);
      o.L(v + " = ::tern::wire::LoadDouble(p);");
      o.L("p += 8;");
      return;
    case Kind::kString:
    case Kind::kBinary:
      o.L("p = ::tern::wire::ReadString(p, end, ctx.limits.max_string, &" + v + ", err);");
      o.L("if (TERN_UNLIKELY(p == nullptr)) return nullptr;");
      return;
    case Kind::kStruct:
      o.L("p = " + v + ".tern_read(p, end, ctx, err);");
      o.L("if (TERN_UNLIKELY(p == nullptr)) return nullptr;");
      return;
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap: {
      const bool is_map = t.kind == Kind::kMap;
      const size_t header = is_map ? 6 : 5;
      o.L("{");
      o.In();
      o.L("if (TERN_UNLIKELY(end - p < " + Num(static_cast<long long>(header)) + ")) " + trunc);
      if (is_map) {
        o.L("const uint8_t kt" + d + " = p[0], vt" + d + " = p[1];");
        o.L("const int32_t n" + d + " = ::tern::wire::LoadI32(p + 2);");
        o.L("p += 6;");
        o.L("if (TERN_UNLIKELY(kt" + d + " != " + Num(TTypeId(*t.key)) + " || vt" + d +
            " != " + Num(TTypeId(*t.elem)) + ")) {");
      } else {
        o.L("const uint8_t et" + d + " = p[0];");
        o.L("const int32_t n" + d + " = ::tern::wire::LoadI32(p + 1);");
        o.L("p += 5;");
        o.L("if (TERN_UNLIKELY(et" + d + " != " + Num(TTypeId(*t.elem)) + ")) {");
      }
      // Other types than the schema's: an error, unless the container is
      // empty and names valid ones (IsEmptyElementTType).
      o.In();
      o.L("if (n" + d +
          " != 0) return ::tern::gen::Fail(err, ::tern::gen::ReadError::kWrongElementType);");
      o.L(std::string("if (!::tern::IsEmptyElementTType(") +
          (is_map ? "kt" + d + ") || !::tern::IsEmptyElementTType(vt" + d : "et" + d) + "))");
      o.L("  return ::tern::gen::Fail(err, ::tern::gen::ReadError::kBadType);");
      o.Un();
      o.L("}");
      const size_t min = is_map ? MinWire(*t.key) + MinWire(*t.elem) : MinWire(*t.elem);
      o.L("if (TERN_UNLIKELY(!::tern::wire::CheckCount(n" + d + ", ctx.limits.max_container, " +
          Num(static_cast<long long>(min)) + ", p, end, err))) return nullptr;");
      o.L("const size_t c" + d + " = static_cast<size_t>(n" + d + ");");
      o.L("if (TERN_UNLIKELY(!::tern::gen::ChargeElements<std::remove_cvref_t<decltype(" + v +
          ")>>(ctx, c" + d + ", err))) return nullptr;");
      const char* ks = t.kind == Kind::kList ? KernelSuffix(*t.elem) : nullptr;
      if (ks != nullptr) {
        o.L("::tern::gen::ReadNumbers(" + v + ", p, c" + d + ", ::tern::Kernels().be_to_" +
            std::string(ks) + ");");
        o.L("p += " + Num(static_cast<long long>(FixedSize(*t.elem))) + " * c" + d + ";");
      } else if (t.kind == Kind::kList && t.elem->kind == Kind::kI8) {
        // assign copies without zeroing first, as resize would.
        o.L(v +
            ".assign(reinterpret_cast<const int8_t*>(p), reinterpret_cast<const int8_t*>(p) + c" +
            d + ");");
        o.L("p += c" + d + ";");
      } else {
        o.L("if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) {");
        o.In();
        o.L("return ::tern::gen::Fail(err, ::tern::gen::ReadError::kTooDeep);");
        o.Un();
        o.L("}");
        o.L(v + ".clear();");
        if (t.kind == Kind::kList) {
          if (t.elem->kind == Kind::kBool) {
            o.L(v + ".resize(c" + d + ");");
            o.L("for (size_t i" + d + " = 0; i" + d + " < c" + d + "; ++i" + d + ") {");
            o.In();
            o.L("bool b" + d + ";");
            EmitRead(o, *t.elem, "b" + d, depth + 1);
            o.L(v + "[i" + d + "] = b" + d + ";");
            o.Un();
            o.L("}");
          } else {
            o.L(v + ".resize(c" + d + ");");
            o.L("for (auto& e" + d + " : " + v + ") {");
            o.In();
            EmitRead(o, *t.elem, "e" + d, depth + 1);
            o.Un();
            o.L("}");
          }
        } else if (t.kind == Kind::kSet) {
          o.L("for (size_t i" + d + " = 0; i" + d + " < c" + d + "; ++i" + d + ") {");
          o.In();
          if (t.elem->kind == Kind::kString || t.elem->kind == Kind::kBinary) {
            // Built in its node from the wire bytes: no temporary.
            o.L("size_t en" + d + ";");
            o.L("p = ::tern::wire::ReadLength(p, end, ctx.limits.max_string, &en" + d + ", err);");
            o.L("if (TERN_UNLIKELY(p == nullptr)) return nullptr;");
            o.L("::tern::NotePayloadCopy(en" + d + ");");
            o.L(v + ".emplace_hint(" + v + ".end(), reinterpret_cast<const char*>(p), en" + d +
                ");");
            o.L("p += en" + d + ";");
          } else {
            o.L(Temp(*t.elem, "e" + d, v));
            EmitRead(o, *t.elem, "e" + d, depth + 1);
            o.L(v + ".insert(" + v + ".end(), std::move(e" + d + "));");
          }
          o.Un();
          o.L("}");
        } else {
          o.L("for (size_t i" + d + " = 0; i" + d + " < c" + d + "; ++i" + d + ") {");
          o.In();
          // A repeated key reads into the same value: the last one wins. A
          // struct value is reset first, so that it does not keep the fields
          // the earlier one set (Apache's C++ merges the two; the TypeInfo
          // walker, Go and Java take the last whole).
          const bool reset = t.elem->kind == Kind::kStruct;
          if (reset) o.L("const size_t had" + d + " = " + v + ".size();");
          if (t.key->kind == Kind::kString || t.key->kind == Kind::kBinary) {
            // The key is built in its node from the wire bytes: no temporary.
            o.L("size_t kn" + d + ";");
            o.L("p = ::tern::wire::ReadLength(p, end, ctx.limits.max_string, &kn" + d + ", err);");
            o.L("if (TERN_UNLIKELY(p == nullptr)) return nullptr;");
            o.L("::tern::NotePayloadCopy(kn" + d + ");");
            o.L("auto& v" + d + " = " + v + ".emplace_hint(" + v +
                ".end(), std::piecewise_construct, std::forward_as_tuple(reinterpret_cast<const "
                "char*>(p), kn" +
                d + "), std::forward_as_tuple())->second;");
            o.L("p += kn" + d + ";");
          } else {
            o.L(Temp(*t.key, "k" + d, v));
            EmitRead(o, *t.key, "k" + d, depth + 1);
            o.L("auto& v" + d + " = " + v + ".try_emplace(" + v + ".end(), std::move(k" + d +
                "))->second;");
          }
          if (reset) {
            o.L("if (TERN_UNLIKELY(" + v + ".size() == had" + d + ")) ::tern::gen::ResetMapped(" +
                v + ", v" + d + ");");
          }
          EmitRead(o, *t.elem, "v" + d, depth + 1);
          o.Un();
          o.L("}");
        }
        o.L("--ctx.depth;");
      }
      o.Un();
      o.L("}");
      return;
    }
  }
}

// Statements writing value `v` through Writer `w`, payloads by reference.
// Streaming writes (tern_stream): value `v` written at `p` through Writer
// `w`, with no size pass first. Each piece is preceded by a w.Ensure of its
// size; `fail` is the statement that gives up when a reservation fails
// ("return nullptr;" in the struct's function, "return false;" inside a
// ForEachSortedWhile callback). `head`/`head_stmt`: bytes the caller writes
// just before the value (a field header), folded into the first Ensure.
void EmitEnsure(Out& o, size_t n, const std::string& fail) {
  o.L("if (TERN_UNLIKELY((p = w.Ensure(p, " + Num(static_cast<long long>(n)) + ")) == nullptr)) " +
      fail);
}
void EmitNullCheck(Out& o, const std::string& fail) {
  o.L("if (TERN_UNLIKELY(p == nullptr)) " + fail);
}

void EmitStream(Out& o, const Type& t, const std::string& v, int depth, const std::string& fail,
                size_t head = 0, const std::string& head_stmt = "") {
  const std::string d = Num(depth);
  auto start = [&](size_t first) {
    EmitEnsure(o, head + first, fail);
    if (!head_stmt.empty()) o.L(head_stmt);
  };
  if (IsFixed(t)) {
    start(FixedSize(t));
    EmitWrite(o, t, v, depth);
    return;
  }
  switch (t.kind) {
    case Kind::kString:
    case Kind::kBinary:
      start(4);
      o.L("p = w.PutBinary(p, " + v + ".data(), " + v + ".size());");
      EmitNullCheck(o, fail);
      return;
    case Kind::kStruct:
      if (head != 0) start(0);
      o.L("p = " + v + ".tern_stream(p, w);");
      EmitNullCheck(o, fail);
      return;
    case Kind::kList:
    case Kind::kSet: {
      start(5);
      o.L("p = ::tern::wire::PutListBegin(p, " + TT(*t.elem) + ", " + v + ".size());");
      const char* ks = t.kind == Kind::kList ? KernelSuffix(*t.elem) : nullptr;
      if (ks != nullptr) {
        o.L("p = w.PutNumbers(p, " + v + ".data(), " + v + ".size(), ::tern::Kernels()." +
            std::string(ks) + "_to_be);");
        EmitNullCheck(o, fail);
        return;
      }
      if (t.kind == Kind::kList && t.elem->kind == Kind::kI8) {
        o.L("p = w.PutRaw(p, " + v + ".data(), " + v + ".size());");
        EmitNullCheck(o, fail);
        return;
      }
      if (t.kind == Kind::kList) {
        // std::vector<bool> yields proxies: take elements by value.
        o.L(std::string("for (") + (t.elem->kind == Kind::kBool ? "bool" : "const auto&") + " e" +
            d + " : " + v + ") {");
        o.In();
        EmitStream(o, *t.elem, "e" + d, depth + 1, fail);
        o.Un();
        o.L("}");
        return;
      }
      o.L("if (!::tern::gen::ForEachSortedWhile(" + v + ", [&](const auto& e" + d + ") -> bool {");
      o.In();
      EmitStream(o, *t.elem, "e" + d, depth + 1, "return false;");
      o.L("return true;");
      o.Un();
      o.L("})) " + fail);
      return;
    }
    case Kind::kMap:
      start(6);
      o.L("p = ::tern::wire::PutMapBegin(p, " + TT(*t.key) + ", " + TT(*t.elem) + ", " + v +
          ".size());");
      o.L("if (!::tern::gen::ForEachSortedWhile(" + v + ", [&](const auto& kv" + d + ") -> bool {");
      o.In();
      o.L("const auto& k" + d + " = kv" + d + ".first;");
      o.L("const auto& v" + d + " = kv" + d + ".second;");
      if (IsFixed(*t.key) && IsFixed(*t.elem)) {
        EmitEnsure(o, FixedSize(*t.key) + FixedSize(*t.elem), "return false;");
        EmitWrite(o, *t.key, "k" + d, depth + 1);
        EmitWrite(o, *t.elem, "v" + d, depth + 1);
      } else {
        EmitStream(o, *t.key, "k" + d, depth + 1, "return false;");
        EmitStream(o, *t.elem, "v" + d, depth + 1, "return false;");
      }
      o.L("return true;");
      o.Un();
      o.L("})) " + fail);
      return;
    default:
      return;
  }
}

// ---- TypeInfo tables -------------------------------------------------------------

class TableEmitter {
 public:
  explicit TableEmitter(Out& o) : o_(o) {}

  // A ValueType initializer for t, defining ContainerInfo objects it needs.
  std::string ValueType(const Type& t) {
    std::string cpp, strct = "nullptr", cont = "nullptr";
    bool is_enum = false, is_binary = false;
    switch (t.kind) {
      case Kind::kBool:
        cpp = "kBool";
        break;
      case Kind::kI8:
        cpp = "kI8";
        break;
      case Kind::kI16:
        cpp = "kI16";
        break;
      case Kind::kI32:
        cpp = "kI32";
        break;
      case Kind::kEnum:
        cpp = "kI32";
        is_enum = true;
        break;
      case Kind::kI64:
        cpp = "kI64";
        break;
      case Kind::kDouble:
        cpp = "kDouble";
        break;
      case Kind::kString:
        cpp = Pmr() ? "kPmrString" : "kString";
        break;
      case Kind::kBinary:
        cpp = Pmr() ? "kPmrString" : "kString";
        is_binary = true;
        break;
      case Kind::kStruct:
        cpp = "kStruct";
        strct = "&" + t.cpp_name + "::kTernTypeInfo";
        break;
      case Kind::kList:
        cpp = "kList";
        cont = "&" + Container(t);
        break;
      case Kind::kSet:
        cpp = "kSet";
        cont = "&" + Container(t);
        break;
      case Kind::kMap:
        cpp = "kMap";
        cont = "&" + Container(t);
        break;
    }
    return "::tern::ValueType{" + TT(t) + ", ::tern::CppType::" + cpp + ", " +
           (is_enum ? "true" : "false") + ", " + (is_binary ? "true" : "false") + ", " + strct +
           ", " + cont + "}";
  }

 private:
  std::string Container(const Type& t) {
    const std::string type = CppType(t);
    auto it = names_.find(type);
    if (it != names_.end()) return it->second;
    std::string init;
    if (t.kind == Kind::kMap) {
      const std::string k = ValueType(*t.key), v = ValueType(*t.elem);
      init = "::tern::gen::MapInfo<" + type + ">(" + k + ", " + v + ")";
    } else {
      const std::string e = ValueType(*t.elem);
      init = std::string("::tern::gen::") + (t.kind == Kind::kList ? "ListInfo<" : "SetInfo<") +
             type + ">(" + e + ")";
    }
    const std::string name = "kTernContainer" + Num(static_cast<long long>(names_.size()));
    names_[type] = name;
    o_.L("constexpr ::tern::ContainerInfo " + name + " = " + init + ";");
    return name;
  }

  Out& o_;
  std::map<std::string, std::string> names_;
};

// ---- struct code -------------------------------------------------------------------

struct Layout {
  // Optional fields: index -> (word, bit).
  std::map<size_t, std::pair<int, int>> isset;
  int isset_words = 0;
};

Layout LayoutOf(const Struct& s) {
  Layout l;
  if (s.kind == StructKind::kUnion) return l;
  int k = 0;
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (s.fields[i].req == Req::kOptional) {
      l.isset[i] = {k / 32, k % 32};
      ++k;
    }
  }
  l.isset_words = (k + 31) / 32;
  return l;
}

std::string IssetTest(const Layout& l, size_t i) {
  const auto [w, b] = l.isset.at(i);
  return "(tern_isset_[" + Num(w) + "] & (uint32_t{1} << " + Num(b) + ")) != 0";
}
std::string IssetSet(const Layout& l, size_t i) {
  const auto [w, b] = l.isset.at(i);
  return "tern_isset_[" + Num(w) + "] |= uint32_t{1} << " + Num(b) + ";";
}

// The condition under which field i is written ("" = always).
std::string WrittenIf(const Struct& s, const Layout& l, size_t i) {
  const Field& f = s.fields[i];
  if (s.kind == StructKind::kUnion) return "tern_type_ == " + Num(f.id);
  std::string c;
  if (f.req == Req::kOptional) c = IssetTest(l, i);
  if (f.indirect) c += std::string(c.empty() ? "" : " && ") + "this->" + f.cpp + " != nullptr";
  return c;
}

// A required indirect field of a struct: written even when null, then as an
// empty struct (the field header and a stop byte), as Apache Thrift's C++
// writes it, so that a peer finds every required field. (A null one of
// default requiredness is left out: legal on the wire, and read back null.)
bool EmptyWhenNull(const Struct& s, const Field& f) {
  return f.indirect && f.req == Req::kRequired && s.kind != StructKind::kUnion;
}

// The value expression of field i (dereferenced when indirect).
std::string ValueOf(const Field& f) {
  return f.indirect ? "(*this->" + f.cpp + ")" : "this->" + f.cpp;
}

// Field indices in the canonical write order: fixed-size first.
std::vector<size_t> WriteOrder(const Struct& s) {
  std::vector<size_t> order;
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (IsFixed(s.fields[i].type)) order.push_back(i);
  }
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (!IsFixed(s.fields[i].type)) order.push_back(i);
  }
  return order;
}

// The client's Future-returning variant of fn: "<name>_async", with a "_"
// more while that is the name of another method of the service.
std::string AsyncName(const Service& s, const Function& fn) {
  std::string name = fn.name + "_async";
  for (bool clash = true; clash;) {
    clash = false;
    for (const Function& other : s.functions) {
      if (other.cpp == name) {
        name += "_";
        clash = true;
      }
    }
  }
  return name;
}

// ---- copy-free views (tern/thrift/view.h) ---------------------------------------

// The view class nested in s (service args/result structs are named here).
std::string ViewName(const Struct& s) {
  if (!s.view_name.empty()) return s.view_name;
  for (const Field& f : s.fields) {
    if (f.cpp == "View" || f.cpp == "Builder") return "TernView";
  }
  return "View";
}

// The builder class beside the view: "Builder", or "TernBuilder" when a
// field takes the name.
std::string BuilderName(const Struct& s) {
  return ViewName(s) == "View" ? "Builder" : "TernBuilder";
}
std::string BuilderNameOf(const Type& t) {
  return t.view_name.empty() || t.view_name == "View" ? "Builder" : "TernBuilder";
}

// The type a view accessor returns for a value of type t.
std::string ViewType(const Type& t) {
  switch (t.kind) {
    case Kind::kString:
    case Kind::kBinary:
      return "::tern::view::String";
    case Kind::kStruct:
      return t.cpp_name + "::" + (t.view_name.empty() ? "View" : t.view_name);
    case Kind::kList:
      return "::tern::view::List<" + ViewType(*t.elem) + ">";
    case Kind::kSet:
      return "::tern::view::Set<" + ViewType(*t.elem) + ">";
    case Kind::kMap:
      return "::tern::view::Map<" + ViewType(*t.key) + ", " + ViewType(*t.elem) + ">";
    default:
      return CppType(t);
  }
}

// Declared inside the struct.
void EmitViewForward(Out& o, const Struct& s) {
  o.L("// A copy-free, read-only view of a " + s.name + " in received bytes (tern/thrift/view.h).");
  o.L("class " + ViewName(s) + ";");
  o.L("// Builds or edits a " + s.name + " as a chain of byte pieces (tern/thrift/builder.h).");
  o.L("class " + BuilderName(s) + ";");
}

// The view class, after every struct of the file is declared.
void EmitViewDecl(Out& o, const Struct& s) {
  const std::string V = ViewName(s);
  const std::string n = Num(static_cast<long long>(std::max<size_t>(1, s.fields.size())));
  o.L("class " + s.cpp + "::" + V + " {");
  o.L(" public:");
  o.In();
  o.L(V + "() = default;");
  o.L("// Indexes the " + s.name + " at `offset` of b: one validating pass; fails as");
  o.L("// FastRead would. The view reads b, which must outlive it.");
  o.L("static ::tern::Result<" + V +
      "> Parse(const ::tern::view::Bytes& b, ::tern::ReadContext& ctx,");
  o.L("                                   uint32_t offset = 0);");
  o.L("static ::tern::Result<" + V + "> Parse(const ::tern::view::Bytes& b);");
  o.L();
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    o.L("bool has_" + f.name + "() const { return tern_slot_[" + Num(static_cast<long long>(i)) +
        "] != ::tern::view::kAbsent; }");
    o.L(ViewType(f.type) + " " + f.cpp + "() const;");
  }
  if (s.kind == StructKind::kUnion) {
    o.L("// The id of the field present (the last one on the wire), 0 when none.");
    o.L("int16_t getType() const;");
  }
  o.L();
  o.L("// Decodes the viewed bytes into the owning struct (FastRead).");
  o.L("::tern::Status ToStruct(" + s.cpp + "* out, ::tern::ReadContext& ctx) const;");
  o.L("::tern::Result<" + s.cpp + "> ToStruct() const;");
  o.L("// Where the struct lies in WireBytes() (null for an empty view).");
  o.L("const ::tern::view::Bytes* WireBytes() const { return tern_core_.bytes; }");
  o.L("uint32_t WireOffset() const { return tern_core_.begin; }");
  o.L("uint32_t WireSize() const { return tern_core_.end - tern_core_.begin; }");
  o.L("// Internal: a copy of the view in storage laid out as ViewCore + slots (the");
  o.L("// server's view-call args, tern/rpc/service.h).");
  o.L("static " + V + " TernFrom(const void* storage) {");
  o.In();
  o.L(V + " v;");
  o.L("std::memcpy(&v.tern_core_, storage, sizeof(v.tern_core_));");
  if (!s.fields.empty()) {
    o.L("std::memcpy(v.tern_slot_, static_cast<const char*>(storage) + sizeof(v.tern_core_), " +
        Num(static_cast<long long>(s.fields.size())) + " * sizeof(uint32_t));");
  }
  o.L("return v;");
  o.Un();
  o.L("}");
  o.L("// Internal: the validated struct at off (nested values, container elements).");
  o.L("static " + V + " TernAt(const ::tern::view::Bytes& b, uint32_t off, uint32_t* next) {");
  o.In();
  o.L(V + " v;");
  o.L("v.tern_core_.bytes = &b;");
  o.L("v.tern_core_.begin = off;");
  o.L("::tern::view::IndexValidated(b, off, " + s.cpp +
      "::kTernTypeInfo, v.tern_slot_, &v.tern_core_.end);");
  o.L("*next = v.tern_core_.end;");
  o.L("return v;");
  o.Un();
  o.L("}");
  o.Un();
  o.L();
  o.L(" private:");
  o.In();
  o.L("friend class " + s.cpp + "::" + BuilderName(s) + ";");
  o.L("::tern::view::ViewCore tern_core_;");
  o.L("uint32_t tern_slot_[" + n + "] = {" + "};");
  o.Un();
  o.L("};");
  o.L();
}

// The accessors, inline, once every view class of the file is complete.
void EmitViewInlineDefs(Out& o, const Struct& s) {
  const std::string VQ = s.cpp + "::" + ViewName(s);
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    const std::string vt = ViewType(f.type);
    const std::string slot = "tern_slot_[" + Num(static_cast<long long>(i)) + "]";
    o.L("inline " + vt + " " + VQ + "::" + f.cpp + "() const {");
    o.In();
    o.L("const uint32_t s = " + slot + ";");
    switch (f.type.kind) {
      case Kind::kString:
      case Kind::kBinary:
        o.L("if (s != ::tern::view::kAbsent) {");
        o.In();
        o.L("return ::tern::view::String(tern_core_.bytes, s + 4, "
            "static_cast<uint32_t>(tern_core_.bytes->I32(s)));");
        o.Un();
        o.L("}");
        if (!f.default_cpp.empty()) {
          o.L("static const " + CppStringType() + " kDefault = " + f.default_cpp + ";");
          o.L("return ::tern::view::String::Literal(kDefault);");
        } else {
          o.L("return ::tern::view::String();");
        }
        break;
      case Kind::kStruct:
      case Kind::kList:
      case Kind::kSet:
      case Kind::kMap: {
        // An absent field with an IDL default reads the default, as FastRead
        // into a fresh object would: from a view of the encoded defaults.
        const std::string absent = f.default_cpp.empty() ? vt + "()"
                                                         : "::tern::view::DefaultOf<" + VQ + ", " +
                                                               s.cpp + ">()." + f.cpp + "()";
        o.L("if (s == ::tern::view::kAbsent) return " + absent + ";");
        if (f.type.kind == Kind::kStruct) {
          o.L("uint32_t next;");
          o.L("return " + vt + "::TernAt(*tern_core_.bytes, s, &next);");
        } else {
          o.L("return " + vt + "::At(*tern_core_.bytes, s);");
        }
        break;
      }
      default: {
        const std::string ct = CppType(f.type);
        o.L("if (s != ::tern::view::kAbsent) return ::tern::view::FixedElem<" + ct +
            ">::Load(*tern_core_.bytes, s);");
        if (!f.default_cpp.empty()) {
          o.L("return static_cast<" + ct + ">(" + f.default_cpp + ");");
        } else {
          o.L("return " + ct + "{};");
        }
        break;
      }
    }
    o.Un();
    o.L("}");
  }
  if (s.kind == StructKind::kUnion) {
    o.L("inline int16_t " + VQ + "::getType() const {");
    o.In();
    o.L("int16_t id = 0;");
    if (!s.fields.empty()) o.L("uint32_t at = 0;");
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const std::string slot = "tern_slot_[" + Num(static_cast<long long>(i)) + "]";
      o.L("if (" + slot + " != ::tern::view::kAbsent && " + slot + " >= at) {");
      o.In();
      o.L("at = " + slot + ";");
      o.L("id = " + Num(s.fields[i].id) + ";");
      o.Un();
      o.L("}");
    }
    o.L("return id;");
    o.Un();
    o.L("}");
  }
  o.L();
}

// Parse and ToStruct, in the .cc.
void EmitViewDefs(Out& o, const Struct& s) {
  const std::string V = ViewName(s);
  const std::string VQ = s.cpp + "::" + V;
  o.L("::tern::Result<" + VQ + "> " + VQ +
      "::Parse(const ::tern::view::Bytes& b, ::tern::ReadContext& ctx,");
  o.L("                                   uint32_t offset) {");
  o.In();
  o.L(V + " v;");
  o.L("::tern::Status st = ::tern::view::ParseInto(b, offset, " + s.cpp +
      "::kTernTypeInfo, &v.tern_core_, v.tern_slot_, ctx);");
  o.L("if (TERN_UNLIKELY(!st.ok())) return st;");
  o.L("return v;");
  o.Un();
  o.L("}");
  o.L("::tern::Result<" + VQ + "> " + VQ + "::Parse(const ::tern::view::Bytes& b) {");
  o.In();
  o.L("::tern::ReadContext ctx{::tern::DefaultLimits()};");
  o.L("return Parse(b, ctx, 0);");
  o.Un();
  o.L("}");
  o.L("::tern::Status " + VQ + "::ToStruct(" + s.cpp + "* out, ::tern::ReadContext& ctx) const {");
  o.In();
  o.L("return ::tern::view::DecodeStruct(tern_core_, " + s.cpp + "::kTernTypeInfo, out, ctx);");
  o.Un();
  o.L("}");
  o.L("::tern::Result<" + s.cpp + "> " + VQ + "::ToStruct() const {");
  o.In();
  o.L(s.cpp + " v;");
  o.L("::tern::ReadContext ctx{::tern::view::ValidatedLimits()};");
  o.L("::tern::Status st = ToStruct(&v, ctx);");
  o.L("if (TERN_UNLIKELY(!st.ok())) return st;");
  o.L("return v;");
  o.Un();
  o.L("}");
  o.L();
}

// ---- copy-free builders (tern/thrift/builder.h) ---------------------------------

// StructBuilder::RequiredMask of s, as a C++ expression.
std::string RequiredMaskOf(const Struct& s) {
  if (s.kind == StructKind::kUnion) return "0";
  uint64_t m = 0;
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (s.fields[i].req != Req::kRequired) continue;
    if (i >= 64) return "::tern::view::StructBuilder::kScanRequired";
    m |= uint64_t{1} << i;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llxull", static_cast<unsigned long long>(m));
  return buf;
}

// The builder class, after every view class of the file.
void EmitBuilderDecl(Out& o, const Struct& s) {
  const std::string B = BuilderName(s);
  const std::string V = ViewName(s);
  const std::string mask = RequiredMaskOf(s);
  o.L("class " + s.cpp + "::" + B + " {");
  o.L(" public:");
  o.In();
  o.L("// An empty " + s.name + ": no field set (unset fields are absent on the wire).");
  o.L(B + "() : tern_b_(" + s.cpp + "::kTernTypeInfo, &tern_size_hint_, " + mask + ") {}");
  o.L("// Every field of the view as received; setters replace single fields. The");
  o.L("// view's bytes must outlive the builder.");
  o.L("explicit " + B + "(const " + V + "& v) : tern_b_(" + s.cpp +
      "::kTernTypeInfo, v.tern_core_, v.tern_slot_, " + mask + ") {}");
  o.L();
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    const std::string idx = Num(static_cast<long long>(i));
    o.L("bool has_" + f.name + "() const { return tern_b_.has(" + idx + "); }");
    o.L(B + "& clear_" + f.name + "() {");
    o.In();
    o.L("tern_b_.Clear(" + idx + ");");
    o.L("return *this;");
    o.Un();
    o.L("}");
    const std::string set = B + "& set_" + f.name;
    switch (f.type.kind) {
      case Kind::kString:
      case Kind::kBinary:
        o.L("// Copied.");
        o.L(set + "(std::string_view v);");
        o.L("// By reference when large (the Slice is kept until written).");
        o.L(set + "(::tern::Slice v);");
        o.L("// From a view's string: shares the received block when large.");
        o.L(set + "(const ::tern::view::String& v);");
        break;
      case Kind::kStruct:
        o.L(set + "(const " + f.type.cpp_name + "& v);");
        o.L(set + "(const " + f.type.cpp_name + "::" + BuilderNameOf(f.type) + "& v);");
        o.L("// Forwards the view's bytes as received.");
        o.L(set + "(const " + ViewType(f.type) + "& v);");
        break;
      case Kind::kList:
      case Kind::kSet:
      case Kind::kMap:
        o.L(set + "(const " + CppType(f.type) + "& v);");
        o.L("// Forwards the view's bytes as received.");
        o.L(set + "(const " + ViewType(f.type) + "& v);");
        break;
      default:
        o.L(set + "(" + CppType(f.type) + " v);");
        break;
    }
  }
  o.L();
  o.L("// Encoded size, stop byte included.");
  o.L("size_t size() const { return tern_b_.size(); }");
  o.L("// Appends the struct's bytes to out (INVALID_ARGUMENT when a required field");
  o.L("// is not set or a value was too large).");
  o.L("::tern::Status WriteTo(::tern::LinkBuffer& out) const { return tern_b_.WriteTo(out); }");
  o.L("// The struct's bytes (empty when WriteTo would fail).");
  o.L("std::string ToString() const { return tern_b_.ToString(); }");
  o.L("// Decodes what was built into the owning struct.");
  o.L("::tern::Result<" + s.cpp + "> ToStruct() const;");
  o.L("const ::tern::view::StructBuilder& tern_builder() const { return tern_b_; }");
  o.Un();
  o.L();
  o.L(" private:");
  o.In();
  o.L("// What builders of this type write themselves, so the first allocation fits.");
  o.L("static inline std::atomic<uint32_t> tern_size_hint_{0};");
  o.L("::tern::view::StructBuilder tern_b_;");
  o.Un();
  o.L("};");
  o.L();
}

// The setters, inline, once every builder class of the file is complete.
void EmitBuilderInlineDefs(Out& o, const Struct& s) {
  const std::string BQ = s.cpp + "::" + BuilderName(s);
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    const std::string idx = Num(static_cast<long long>(i));
    const std::string head = "inline " + BQ + "& " + BQ + "::set_" + f.name;
    auto body = [&](const std::string& params, const std::vector<std::string>& lines) {
      o.L(head + "(" + params + ") {");
      o.In();
      for (const std::string& l : lines) o.L(l);
      o.L("return *this;");
      o.Un();
      o.L("}");
    };
    // Forwarding a view's container or struct: its bytes as received, or
    // (an absent view: no bytes) the default value.
    auto forward = [&](const std::string& absent) {
      body("const " + ViewType(f.type) + "& v",
           {"if (v.WireBytes() == nullptr) {", "  " + absent + ";", "} else {",
            "  tern_b_.SetEncoded(" + idx + ", *v.WireBytes(), v.WireOffset(), v.WireSize());",
            "}"});
    };
    switch (f.type.kind) {
      case Kind::kString:
      case Kind::kBinary:
        body("std::string_view v", {"tern_b_.SetString(" + idx + ", v);"});
        body("::tern::Slice v", {"tern_b_.SetSlice(" + idx + ", std::move(v));"});
        body("const ::tern::view::String& v", {"tern_b_.SetString(" + idx + ", v);"});
        break;
      case Kind::kStruct: {
        const std::string T = f.type.cpp_name;
        // (From a C++ value: EmitBuilderDefs, with the generated writer.)
        body("const " + T + "::" + BuilderNameOf(f.type) + "& v",
             {"tern_b_.SetStruct(" + idx + ", v.tern_builder());"});
        forward("const " + T + " d{};\n  tern_b_.SetValue(" + idx + ", &d)");
        break;
      }
      case Kind::kList:
      case Kind::kSet:
      case Kind::kMap: {
        const std::string T = CppType(f.type);
        forward("const " + T + " d{};\n  tern_b_.SetValue(" + idx + ", &d)");
        break;
      }
      default:
        body(CppType(f.type) + " v",
             {"tern_b_.SetFixed(" + idx + ", ::tern::view::FixedBits(v));"});
        break;
    }
  }
  o.L();
}

void EmitBuilderDefs(Out& o, const Struct& s) {
  const std::string BQ = s.cpp + "::" + BuilderName(s);
  // Setters of struct and container fields from C++ values: the same size
  // and write code as FastWrite, into the builder's own bytes.
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    if (f.type.kind != Kind::kStruct && f.type.kind != Kind::kList && f.type.kind != Kind::kSet &&
        f.type.kind != Kind::kMap) {
      continue;
    }
    const std::string T = f.type.kind == Kind::kStruct ? f.type.cpp_name : CppType(f.type);
    o.L(BQ + "& " + BQ + "::set_" + f.name + "(const " + T + "& v) {");
    o.In();
    o.L("size_t n = 0;");
    EmitSize(o, f.type, "v", 0);
    o.L("if (uint8_t* p = tern_b_.BeginValue(" + Num(static_cast<long long>(i)) + ", n)) {");
    o.In();
    EmitWrite(o, f.type, "v", 0);
    o.Un();
    o.L("}");
    o.L("return *this;");
    o.Un();
    o.L("}");
  }
  o.L("::tern::Result<" + s.cpp + "> " + BQ + "::ToStruct() const {");
  o.In();
  o.L("TERN_RETURN_IF_ERROR(tern_b_.status());");
  o.L("const std::string bytes = tern_b_.ToString();");
  o.L("if (bytes.empty()) {");
  o.L("  return ::tern::InvalidArgument(std::string(\"builder: \") + kTernTypeInfo.name +");
  o.L("                                 \": a required field is not set\");");
  o.L("}");
  o.L(s.cpp + " v;");
  o.L("::tern::ReadContext ctx{::tern::view::ValidatedLimits()};");
  o.L("auto r = kTernTypeInfo.fast_read(&v, reinterpret_cast<const uint8_t*>(bytes.data()), "
      "bytes.size(), ctx);");
  o.L("if (TERN_UNLIKELY(!r.ok())) return r.status();");
  o.L("return v;");
  o.Un();
  o.L("}");
  o.L();
}

// AllocMode::kPmr: what makes a struct allocator-aware (std::uses_allocator),
// so pmr containers of it, and pmr resources, construct it on their
// allocator: allocator_type, a constructor from the allocator, the
// allocator-extended copy and move constructors, and get_allocator().
void EmitAllocatorMembers(Out& o, const Struct& s, bool has_indirect) {
  o.L("using allocator_type = std::pmr::polymorphic_allocator<>;");
  if (!has_indirect) o.L(s.cpp + "() = default;");
  std::string init;
  const Field* first = nullptr;
  for (const Field& f : s.fields) {
    if (f.indirect || !AllocAware(f.type)) continue;
    if (first == nullptr) first = &f;
    std::string arg;
    if (!f.default_cpp.empty()) {
      // An IDL default is copied onto the allocator from a constant made
      // once, on first use: building it from its expression each time would
      // allocate its temporaries from the default resource.
      const std::string fn = "tern_default_" + f.cpp + "_";
      o.L("static const " + CppType(f.type) + "& " + fn + "() {");
      o.In();
      o.L("static const " + CppType(f.type) + " v = " + f.default_cpp + ";");
      o.L("return v;");
      o.Un();
      o.L("}");
      arg = fn + "(), ";
    }
    init += std::string(init.empty() ? " : " : ", ") + f.cpp + "(" + arg + "a)";
  }
  o.L("explicit " + s.cpp + "(const allocator_type& a)" + init + " {}");
  o.L(s.cpp + "(const " + s.cpp + "& other, const allocator_type& a) : " + s.cpp +
      "(a) { *this = other; }");
  o.L(s.cpp + "(" + s.cpp + "&& other, const allocator_type& a) : " + s.cpp +
      "(a) { *this = std::move(other); }");
  o.L("allocator_type get_allocator() const { return " + first->cpp + ".get_allocator(); }");
}

// An IDL doc comment as // lines. Its text is the IDL author's: a line
// break of any kind (CR too, which the compiler also ends a line on) starts a
// new // line, other control characters are dropped, and a line ending in a
// backslash gets a word after it, so nothing of the doc can splice the next
// line into the comment or end the comment early.
void EmitDoc(Out& o, const std::string& doc) {
  std::string line;
  auto flush = [&] {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!line.empty() && line.back() == '\\') line += " (a backslash ends this line)";
    o.L(line.empty() ? "//" : "// " + line);
    line.clear();
  };
  if (doc.empty()) return;
  for (size_t i = 0; i < doc.size(); ++i) {
    const char c = doc[i];
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < doc.size() && doc[i + 1] == '\n') ++i;
      flush();
    } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
      line += c;
    }
  }
  if (!line.empty()) flush();
}

void EmitStructDecl(Out& o, const Struct& s) {
  const Layout l = LayoutOf(s);
  EmitDoc(o, s.doc);
  o.L("struct " + s.cpp + " {");
  o.In();
  for (const Field& f : s.fields) {
    std::string decl = FieldCppType(f) + " " + f.cpp;
    if (!f.default_cpp.empty() && !f.indirect) {
      decl += " = " + f.default_cpp;
    } else if (IsFixed(f.type)) {
      decl += "{}";
    }
    o.L(decl + ";");
  }
  if (s.kind == StructKind::kUnion) {
    o.L("// The id of the field that is set, 0 when none.");
    o.L("int16_t tern_type_ = 0;");
  } else if (l.isset_words > 0) {
    // An optional field with an IDL default starts set, as in Apache's
    // generated code (its __isset constructor): it is written unless
    // cleared.
    std::vector<uint32_t> init(static_cast<size_t>(l.isset_words), 0);
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const Field& f = s.fields[i];
      if (f.req == Req::kOptional && !f.default_cpp.empty() && !f.indirect) {
        const auto [w, b] = l.isset.at(i);
        init[static_cast<size_t>(w)] |= uint32_t{1} << b;
      }
    }
    std::string words;
    for (size_t w = 0; w < init.size(); ++w) {
      words += std::string(w ? ", " : "") + Num(static_cast<long long>(init[w])) + "u";
    }
    o.L("uint32_t tern_isset_[" + Num(l.isset_words) + "] = {" + words + "};");
  }
  o.L();
  // Accessors for optional fields and union members.
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    const std::string vt = CppType(f.type);
    // A recursive (`&`) field's type may still be incomplete here (mutual
    // recursion): its setter is defined in the .cc file.
    if (s.kind == StructKind::kUnion) {
      o.L("bool has_" + f.name + "() const { return tern_type_ == " + Num(f.id) + "; }");
      if (f.indirect) {
        o.L("void set_" + f.name + "(" + vt + " v);");
      } else {
        o.L("void set_" + f.name + "(" + vt + " v) {");
        o.In();
        o.L(f.cpp + " = std::move(v);");
        o.L("tern_type_ = " + Num(f.id) + ";");
        o.Un();
        o.L("}");
      }
    } else if (f.req == Req::kOptional) {
      o.L("bool has_" + f.name + "() const { return " + IssetTest(l, i) + "; }");
      if (f.indirect) {
        o.L("void set_" + f.name + "(" + vt + " v);");
      } else {
        o.L("void set_" + f.name + "(" + vt + " v) {");
        o.In();
        o.L(f.cpp + " = std::move(v);");
        o.L(IssetSet(l, i));
        o.Un();
        o.L("}");
      }
      const auto [w, b] = l.isset.at(i);
      o.L("void clear_" + f.name + "() { tern_isset_[" + Num(w) + "] &= ~(uint32_t{1} << " +
          Num(b) + "); }");
    }
  }
  if (s.kind == StructKind::kUnion) {
    o.L("int16_t getType() const { return tern_type_; }");
  }
  bool has_indirect = false;
  for (const Field& f : s.fields) has_indirect = has_indirect || f.indirect;
  if (StructAllocAware(s)) EmitAllocatorMembers(o, s, has_indirect);
  if (has_indirect) {
    // unique_ptr members would make the struct move-only: copies are deep.
    o.L();
    o.L(s.cpp + "() = default;");
    o.L(s.cpp + "(const " + s.cpp + "& other) { *this = other; }");
    o.L(s.cpp + "(" + s.cpp + "&&) noexcept = default;");
    o.L(s.cpp + "& operator=(" + s.cpp + "&&) noexcept = default;");
    o.L(s.cpp + "& operator=(const " + s.cpp + "& other) {");
    o.In();
    o.L("if (this == &other) return *this;");
    for (const Field& f : s.fields) {
      if (f.indirect) {
        const std::string alloc = PointeeAlloc(s, f);
        o.L("this->" + f.cpp + " = other." + f.cpp + " ? std::make_unique<" + CppType(f.type) +
            ">(*other." + f.cpp + (alloc.empty() ? "" : ", " + alloc) + ") : nullptr;");
      } else {
        o.L("this->" + f.cpp + " = other." + f.cpp + ";");
      }
    }
    if (s.kind == StructKind::kUnion) {
      o.L("tern_type_ = other.tern_type_;");
    } else if (l.isset_words > 0) {
      o.L("std::memcpy(tern_isset_, other.tern_isset_, sizeof(tern_isset_));");
    }
    o.L("return *this;");
    o.Un();
    o.L("}");
  }
  o.L();
  o.L("bool operator==(const " + s.cpp + "& other) const;");
  o.L("bool operator!=(const " + s.cpp + "& other) const { return !(*this == other); }");
  o.L("// A strict weak order (field by field, in IDL order; an unset optional");
  o.L("// field before a set one), consistent with ==: for sets and map keys.");
  o.L("bool operator<(const " + s.cpp + "& other) const;");
  o.L();
  o.L("// The exact Thrift Binary size of this struct.");
  o.L("size_t BLength() const;");
  o.L("// Writes exactly BLength() bytes at out; returns out + BLength().");
  o.L("uint8_t* FastWrite(uint8_t* out) const;");
  o.L("// Decodes from [p, p + n): returns the bytes consumed, or why it failed.");
  o.L("::tern::Result<size_t> FastRead(const uint8_t* p, size_t n);");
  o.L("::tern::Result<size_t> FastRead(const uint8_t* p, size_t n, ::tern::ReadContext& ctx);");
  o.L("// Encodes into w; large string/binary fields by reference when w allows.");
  o.L("::tern::Status Write(::tern::Writer& w) const;");
  o.L();
  o.L("const uint8_t* tern_read(const uint8_t* p, const uint8_t* end, ::tern::ReadContext& ctx,");
  o.L("                         ::tern::wire::ReadError* err);");
  o.L("::tern::Status tern_write_ref(::tern::Writer& w) const;");
  o.L("// Writes at p in w's open region (streaming; nullptr: w.status() says why).");
  o.L("uint8_t* tern_stream(uint8_t* p, ::tern::Writer& w) const;");
  o.L("static const ::tern::TypeInfo kTernTypeInfo;");
  o.L();
  EmitViewForward(o, s);
  o.Un();
  o.L("};");
  o.L("std::ostream& operator<<(std::ostream& os, const " + s.cpp + "& v);");
  if (s.kind == StructKind::kException) {
    o.L("// Declared exception: handlers may throw it; the generated dispatcher");
    o.L("// encodes it as the method's declared result field.");
  }
  o.L();
}

void EmitStructDefs(Out& o, const Struct& s, const std::string& fields_table) {
  const Layout l = LayoutOf(s);
  const std::string C = s.qualified;

  // Setters of recursive fields (declared in the struct).
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    if (!f.indirect || (s.kind != StructKind::kUnion && f.req != Req::kOptional)) continue;
    const std::string vt = CppType(f.type);
    o.L("void " + s.cpp + "::set_" + f.name + "(" + vt + " v) {");
    o.In();
    const std::string alloc = PointeeAlloc(s, f);
    o.L(f.cpp + " = std::make_unique<" + vt + ">(std::move(v)" +
        (alloc.empty() ? "" : ", " + alloc) + ");");
    o.L(s.kind == StructKind::kUnion ? "tern_type_ = " + Num(f.id) + ";" : IssetSet(l, i));
    o.Un();
    o.L("}");
    o.L();
  }

  // operator==
  o.L("bool " + s.cpp + "::operator==(const " + s.cpp + "& other) const {");
  o.In();
  if (s.fields.empty()) o.L("(void)other;");
  if (s.kind == StructKind::kUnion) {
    o.L("if (tern_type_ != other.tern_type_) return false;");
    o.L("switch (tern_type_) {");
    o.In();
    for (const Field& f : s.fields) {
      const std::string m = "this->" + f.cpp;
      if (f.indirect) {
        o.L("case " + Num(f.id) + ": return (" + m + " == nullptr) == (other." + f.cpp +
            " == nullptr) && (" + m + " == nullptr || *" + m + " == *other." + f.cpp + ");");
      } else {
        o.L("case " + Num(f.id) + ": return " + m + " == other." + f.cpp + ";");
      }
    }
    o.L("default: return true;");
    o.Un();
    o.L("}");
  } else {
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const Field& f = s.fields[i];
      const std::string m = "this->" + f.cpp;
      std::string eq;
      if (f.indirect) {
        eq = "((" + m + " == nullptr) == (other." + f.cpp + " == nullptr) && (" + m +
             " == nullptr || *" + m + " == *other." + f.cpp + "))";
      } else {
        eq = "(" + m + " == other." + f.cpp + ")";
      }
      if (f.req == Req::kOptional) {
        const auto [w, b] = l.isset.at(i);
        const std::string mine = "((this->tern_isset_[" + Num(w) + "] >> " + Num(b) + ") & 1)";
        const std::string theirs = "((other.tern_isset_[" + Num(w) + "] >> " + Num(b) + ") & 1)";
        o.L("if (" + mine + " != " + theirs + ") return false;");
        o.L("if (" + mine + " && !" + eq + ") return false;");
      } else {
        o.L("if (!" + eq + ") return false;");
      }
    }
    o.L("return true;");
  }
  o.Un();
  o.L("}");
  o.L();

  // operator<, the same walk as operator==.
  o.L("bool " + s.cpp + "::operator<(const " + s.cpp + "& other) const {");
  o.In();
  if (s.fields.empty()) o.L("(void)other;");
  if (s.kind == StructKind::kUnion) {
    o.L("if (tern_type_ != other.tern_type_) return tern_type_ < other.tern_type_;");
    o.L("switch (tern_type_) {");
    o.In();
    for (const Field& f : s.fields) {
      const std::string m = "this->" + f.cpp;
      const std::string cmp = f.indirect ? "::tern::gen::ComparePtr" : "::tern::gen::Compare";
      o.L("case " + Num(f.id) + ": return " + cmp + "(" + m + ", other." + f.cpp + ") < 0;");
    }
    o.L("default: return false;");
    o.Un();
    o.L("}");
  } else {
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const Field& f = s.fields[i];
      const std::string m = "this->" + f.cpp;
      const std::string cmp = f.indirect ? "::tern::gen::ComparePtr" : "::tern::gen::Compare";
      const std::string c = cmp + "(" + m + ", other." + f.cpp + ")";
      if (f.req == Req::kOptional) {
        const auto [w, b] = l.isset.at(i);
        const std::string mine = "((this->tern_isset_[" + Num(w) + "] >> " + Num(b) + ") & 1)";
        const std::string theirs = "((other.tern_isset_[" + Num(w) + "] >> " + Num(b) + ") & 1)";
        o.L("if (" + mine + " != " + theirs + ") return " + mine + " < " + theirs + ";");
        o.L("if (" + mine + ") {");
        o.In();
        o.L("if (const int c = " + c + "; c != 0) return c < 0;");
        o.Un();
        o.L("}");
      } else {
        o.L("if (const int c = " + c + "; c != 0) return c < 0;");
      }
    }
    o.L("return false;");
  }
  o.Un();
  o.L("}");
  o.L();

  // BLength
  const std::vector<size_t> order = WriteOrder(s);
  o.L("size_t " + s.cpp + "::BLength() const {");
  o.In();
  size_t constant = 1;  // stop byte
  for (size_t i : order) {
    const Field& f = s.fields[i];
    if (WrittenIf(s, l, i).empty() && IsFixed(f.type)) constant += 3 + FixedSize(f.type);
  }
  o.L("size_t n = " + Num(static_cast<long long>(constant)) + ";");
  for (size_t i : order) {
    const Field& f = s.fields[i];
    const std::string cond = WrittenIf(s, l, i);
    if (cond.empty() && IsFixed(f.type)) continue;
    if (!cond.empty()) {
      o.L("if (" + cond + ") {");
      o.In();
    }
    o.L("n += 3;");
    EmitSize(o, f.type, ValueOf(f), 0);
    if (EmptyWhenNull(s, f)) {
      o.Un();
      o.L("} else {");
      o.In();
      o.L("n += 4;  // an empty struct");
    }
    if (!cond.empty()) {
      o.Un();
      o.L("}");
    }
  }
  o.L("return n;");
  o.Un();
  o.L("}");
  o.L();

  // FastWrite
  o.L("uint8_t* " + s.cpp + "::FastWrite(uint8_t* p) const {");
  o.In();
  for (size_t i : order) {
    const Field& f = s.fields[i];
    const std::string cond = WrittenIf(s, l, i);
    if (!cond.empty()) {
      o.L("if (" + cond + ") {");
      o.In();
    }
    o.L("p = ::tern::wire::PutFieldBegin(p, " + TT(f.type) + ", " + Num(f.id) + ");");
    EmitWrite(o, f.type, ValueOf(f), 0);
    if (EmptyWhenNull(s, f)) {
      o.Un();
      o.L("} else {");
      o.In();
      o.L("p = ::tern::wire::PutStop(::tern::wire::PutFieldBegin(p, " + TT(f.type) + ", " +
          Num(f.id) + "));");
    }
    if (!cond.empty()) {
      o.Un();
      o.L("}");
    }
  }
  o.L("return ::tern::wire::PutStop(p);");
  o.Un();
  o.L("}");
  o.L();

  // tern_read
  o.L("const uint8_t* " + s.cpp + "::tern_read(const uint8_t* p, const uint8_t* end,");
  o.L("                                 ::tern::ReadContext& ctx, ::tern::wire::ReadError* err) {");
  o.In();
  o.L("if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) {");
  o.In();
  o.L("return ::tern::gen::Fail(err, ::tern::gen::ReadError::kTooDeep);");
  o.Un();
  o.L("}");
  std::vector<size_t> required;
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (s.fields[i].req == Req::kRequired && s.kind != StructKind::kUnion) required.push_back(i);
  }
  const size_t req_words = (required.size() + 63) / 64;
  if (req_words > 0) o.L("uint64_t seen[" + Num(static_cast<long long>(req_words)) + "] = {};");
  o.L("for (;;) {");
  o.In();
  o.L("if (TERN_UNLIKELY(end - p < 1)) {");
  o.In();
  o.L("return ::tern::gen::Fail(err, ::tern::gen::ReadError::kTruncated);");
  o.Un();
  o.L("}");
  o.L("const uint8_t type = *p++;");
  o.L("if (type == 0) break;");
  o.L("if (TERN_UNLIKELY(end - p < 2)) {");
  o.In();
  o.L("return ::tern::gen::Fail(err, ::tern::gen::ReadError::kTruncated);");
  o.Un();
  o.L("}");
  o.L("const int16_t id = ::tern::wire::LoadI16(p);");
  o.L("p += 2;");
  if (!s.fields.empty()) {
    o.L("switch (id) {");
    o.In();
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const Field& f = s.fields[i];
      o.L("case " + Num(f.id) + ":");
      o.In();
      o.L("if (type == " + Num(TTypeId(f.type)) + ") {");
      o.In();
      std::string target = "this->" + f.cpp;
      if (f.indirect) {
        o.L("if (this->" + f.cpp + " == nullptr) this->" + f.cpp + " = std::make_unique<" +
            CppType(f.type) + ">(" + PointeeAlloc(s, f) + ");");
        target = "(*this->" + f.cpp + ")";
      }
      EmitRead(o, f.type, target, 0);
      if (s.kind == StructKind::kUnion) {
        o.L("tern_type_ = " + Num(f.id) + ";");
      } else if (f.req == Req::kOptional) {
        o.L(IssetSet(l, i));
      } else if (f.req == Req::kRequired) {
        size_t k = 0;
        while (required[k] != i) ++k;
        o.L("seen[" + Num(static_cast<long long>(k / 64)) + "] |= uint64_t{1} << " +
            Num(static_cast<long long>(k % 64)) + ";");
      }
      o.L("continue;");
      o.Un();
      o.L("}");
      o.L("break;");
      o.Un();
    }
    o.L("default:");
    o.In();
    o.L("break;");
    o.Un();
    o.Un();
    o.L("}");
  } else {
    o.L("(void)id;");
  }
  o.L("// An unknown field, or a known one with another type: skip it.");
  o.L("if (TERN_UNLIKELY(!::tern::IsValidTType(type))) {");
  o.In();
  o.L("return ::tern::gen::Fail(err, ::tern::gen::ReadError::kBadType);");
  o.Un();
  o.L("}");
  o.L("p = ::tern::wire::Skip(p, end, static_cast<::tern::TType>(type), ctx, err);");
  o.L("if (TERN_UNLIKELY(p == nullptr)) return nullptr;");
  o.Un();
  o.L("}");
  for (size_t w = 0; w < req_words; ++w) {
    const size_t count = std::min<size_t>(64, required.size() - w * 64);
    const std::string mask =
        count == 64 ? "~uint64_t{0}"
                    : "((uint64_t{1} << " + Num(static_cast<long long>(count)) + ") - 1)";
    const std::string word = "seen[" + Num(static_cast<long long>(w)) + "]";
    o.L("if (TERN_UNLIKELY(" + word + " != " + mask + ")) {");
    o.In();
    std::string names;
    for (size_t k = w * 64; k < w * 64 + count; ++k) {
      names += std::string(names.empty() ? "" : ", ") + "\"" + s.fields[required[k]].name + "\"";
    }
    o.L("static constexpr const char* kRequired[] = {" + names + "};");
    o.L("return ::tern::gen::FailMissing(err, ctx, \"" + s.name + "\", kRequired, " + word + ", " +
        mask + ");");
    o.Un();
    o.L("}");
  }
  o.L("--ctx.depth;");
  o.L("return p;");
  o.Un();
  o.L("}");
  o.L();

  // FastRead
  o.L("::tern::Result<size_t> " + s.cpp + "::FastRead(const uint8_t* p, size_t n,");
  o.L("                                          ::tern::ReadContext& ctx) {");
  o.In();
  o.L("::tern::wire::ReadError err = ::tern::wire::ReadError::kNone;");
  o.L("const uint8_t* end = tern_read(p, p + n, ctx, &err);");
  o.L("if (TERN_UNLIKELY(end == nullptr)) return ::tern::wire::MakeError(err, \"" + s.name +
      "\", ctx);");
  o.L("return static_cast<size_t>(end - p);");
  o.Un();
  o.L("}");
  o.L();
  o.L("::tern::Result<size_t> " + s.cpp + "::FastRead(const uint8_t* p, size_t n) {");
  o.In();
  o.L("::tern::ReadContext ctx{::tern::DefaultLimits()};");
  o.L("return FastRead(p, n, ctx);");
  o.Un();
  o.L("}");
  o.L();

  // Write / tern_write_ref
  o.L("::tern::Status " + s.cpp + "::Write(::tern::Writer& w) const {");
  o.In();
  bool may_ref = false;
  for (const Field& f : s.fields) may_ref = may_ref || MayRef(f.type);
  if (may_ref) o.L("if (w.by_ref()) return tern_write_ref(w);");
  o.L("TERN_ASSIGN_OR_RETURN(uint8_t* p, w.Malloc(BLength()));");
  o.L("FastWrite(p);");
  o.L("return ::tern::Status::OK();");
  o.Un();
  o.L("}");
  o.L();
  // tern_write_ref: the streaming write (by-reference strings), no size pass.
  o.L("::tern::Status " + s.cpp + "::tern_write_ref(::tern::Writer& w) const {");
  o.In();
  o.L("uint8_t* p = w.Open();");
  o.L("if (TERN_LIKELY(p != nullptr)) p = tern_stream(p, w);");
  o.L("if (TERN_UNLIKELY(p == nullptr)) return w.status();");
  o.L("w.Close(p);");
  o.L("return ::tern::Status::OK();");
  o.Un();
  o.L("}");
  o.L();
  o.L("uint8_t* " + s.cpp + "::tern_stream(uint8_t* p, ::tern::Writer& w) const {");
  o.In();
  {
    const std::string fail = "return nullptr;";
    for (size_t k = 0; k < order.size();) {
      const size_t i = order[k];
      const Field& f = s.fields[i];
      const std::string cond = WrittenIf(s, l, i);
      // A run of always-written fixed-size fields: one Ensure for all.
      if (cond.empty() && IsFixed(f.type)) {
        size_t end = k, bytes = 0;
        while (end < order.size() && WrittenIf(s, l, order[end]).empty() &&
               IsFixed(s.fields[order[end]].type)) {
          bytes += 3 + FixedSize(s.fields[order[end]].type);
          ++end;
        }
        EmitEnsure(o, bytes, fail);
        for (; k < end; ++k) {
          const Field& g = s.fields[order[k]];
          o.L("p = ::tern::wire::PutFieldBegin(p, " + TT(g.type) + ", " + Num(g.id) + ");");
          EmitWrite(o, g.type, ValueOf(g), 0);
        }
        continue;
      }
      ++k;
      if (!cond.empty()) {
        o.L("if (" + cond + ") {");
        o.In();
      }
      EmitStream(o, f.type, ValueOf(f), 0, fail, 3,
                 "p = ::tern::wire::PutFieldBegin(p, " + TT(f.type) + ", " + Num(f.id) + ");");
      if (EmptyWhenNull(s, f)) {
        o.Un();
        o.L("} else {");
        o.In();
        EmitEnsure(o, 4, fail);
        o.L("p = ::tern::wire::PutStop(::tern::wire::PutFieldBegin(p, " + TT(f.type) + ", " +
            Num(f.id) + "));");
      }
      if (!cond.empty()) {
        o.Un();
        o.L("}");
      }
    }
    EmitEnsure(o, 1, fail);
    o.L("return ::tern::wire::PutStop(p);");
  }
  o.Un();
  o.L("}");
  o.L();

  // Printer
  o.L("std::ostream& operator<<(std::ostream& os, const " + C + "& v) {");
  o.In();
  if (s.fields.empty()) o.L("(void)v;");
  o.L("os << \"" + s.name + "{\";");
  // The separator at run time: an unset optional field or a union's
  // inactive ones print nothing, so the first printed field may be any.
  if (!s.fields.empty()) o.L("[[maybe_unused]] const char* tern_sep = \"\";");
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    std::string cond;
    if (s.kind == StructKind::kUnion) {
      cond = "v.tern_type_ == " + Num(f.id);
    } else if (f.req == Req::kOptional) {
      const auto [w, b] = l.isset.at(i);
      cond = "(v.tern_isset_[" + Num(w) + "] >> " + Num(b) + ") & 1";
    }
    if (!cond.empty()) {
      o.L("if (" + cond + ") {");
      o.In();
    }
    o.L("os << tern_sep << \"" + f.name + "=\";");
    if (i + 1 < s.fields.size()) o.L("tern_sep = \", \";");
    o.L("::tern::gen::Print(os, v." + f.cpp + ");");
    if (!cond.empty()) {
      o.Un();
      o.L("}");
    }
  }
  o.L("return os << '}';");
  o.Un();
  o.L("}");
  o.L();

  // TypeInfo
  o.L("namespace {");
  o.L("::tern::Result<size_t> TernFastRead_" + s.cpp +
      "(void* obj, const uint8_t* p, size_t n, ::tern::ReadContext& ctx) {");
  o.In();
  o.L("return static_cast<" + C + "*>(obj)->FastRead(p, n, ctx);");
  o.Un();
  o.L("}");
  o.L("size_t TernBLength_" + s.cpp + "(const void* obj) {");
  o.In();
  o.L("return static_cast<const " + C + "*>(obj)->BLength();");
  o.Un();
  o.L("}");
  o.L("uint8_t* TernFastWrite_" + s.cpp + "(const void* obj, uint8_t* out) {");
  o.In();
  o.L("return static_cast<const " + C + "*>(obj)->FastWrite(out);");
  o.Un();
  o.L("}");
  o.L("::tern::Status TernWriteRef_" + s.cpp + "(const void* obj, ::tern::Writer& w) {");
  o.In();
  o.L("return static_cast<const " + C + "*>(obj)->Write(w);");
  o.Un();
  o.L("}");
  o.L("}  // namespace");
  const char* kind = s.kind == StructKind::kUnion       ? "kUnion"
                     : s.kind == StructKind::kException ? "kException"
                                                        : "kStruct";
  o.L("const ::tern::TypeInfo " + s.cpp + "::kTernTypeInfo = {");
  o.In();
  o.L("\"" + s.name + "\",");
  o.L(std::string("::tern::StructKind::") + kind + ",");
  o.L(s.kind == StructKind::kUnion ? "static_cast<uint32_t>(offsetof(" + C + ", tern_type_)),"
                                   : "0,");
  o.L(s.fields.empty() ? "nullptr," : "::" + fields_table + ",");
  o.L(Num(static_cast<long long>(s.fields.size())) + ",");
  o.L("sizeof(" + C + "),");
  o.L("alignof(" + C + "),");
  o.L("&::tern::gen::Construct<" + C + ">,");
  o.L("&::tern::gen::Destruct<" + C + ">,");
  o.L("&TernBLength_" + s.cpp + ",");
  o.L("&TernFastWrite_" + s.cpp + ",");
  o.L("&TernFastRead_" + s.cpp + ",");
  o.L("&TernWriteRef_" + s.cpp + ",");
  o.L("&::tern::gen::Equals<" + C + ">,");
  o.L(StructAllocAware(s) ? "&::tern::gen::ConstructOn<" + C + ">," : "nullptr,");
  o.Un();
  o.L("};");
  o.L();
}

void EmitFieldTable(Out& o, TableEmitter& te, const Struct& s, const std::string& name) {
  if (s.fields.empty()) return;
  const Layout l = LayoutOf(s);
  const std::string C = s.qualified;
  // Value types first: they may define ContainerInfo constants.
  std::vector<std::string> vts;
  for (const Field& f : s.fields) vts.push_back(te.ValueType(f.type));
  o.L("constexpr ::tern::FieldInfo " + name + "[] = {");
  o.In();
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const Field& f = s.fields[i];
    const char* req = f.req == Req::kRequired   ? "kRequired"
                      : f.req == Req::kOptional ? "kOptional"
                                                : "kDefault";
    std::string isset_off = "0", isset_mask = "0";
    if (l.isset.count(i) != 0) {
      const auto [w, b] = l.isset.at(i);
      isset_off = "static_cast<uint32_t>(offsetof(" + C + ", tern_isset_) + " + Num(w * 4) + ")";
      isset_mask = "uint32_t{1} << " + Num(b);
    }
    // A pointee made on the parent's allocator when both take one (as
    // FastRead does): walkers then keep it in the parent's arena too.
    std::string getter = "nullptr";
    if (f.indirect && !PointeeAlloc(s, f).empty()) {
      getter = "&::tern::gen::IndirectGetOn<" + C + ", " + CppType(f.type) + ", offsetof(" + C +
               ", " + f.cpp + ")>";
    } else if (f.indirect) {
      getter = "&::tern::gen::IndirectGet<" + CppType(f.type) + ">";
    }
    o.L("{" + Num(f.id) + ", ::tern::Requiredness::" + req + ", " +
        (f.indirect ? "true" : "false") + ", " + vts[i] + ", \"" + f.name + "\", " +
        "static_cast<uint32_t>(offsetof(" + C + ", " + f.cpp + ")), " + isset_off + ", " +
        isset_mask + ", " + getter + "},");
  }
  o.Un();
  o.L("};");
}

void OpenNs(Out& o, const File& f) {
  if (f.ns.empty()) return;
  std::string n;
  for (const auto& p : f.ns) n += (n.empty() ? "" : "::") + p;
  o.L("namespace " + n + " {");
  o.L();
}
void CloseNs(Out& o, const File& f) {
  if (f.ns.empty()) return;
  std::string n;
  for (const auto& p : f.ns) n += (n.empty() ? "" : "::") + p;
  o.L("}  // namespace " + n);
}

std::string GenerateTypesHeader(const File& f) {
  Out o;
  o.L("// Generated by tern gen from " + f.base + ".thrift. Do not edit.");
  o.L("#pragma once");
  o.L();
  o.L("#include \"tern/thrift/generated.h\"");
  for (const auto& inc : f.includes) o.L("#include \"" + inc + "_types.h\"");
  o.L();
  OpenNs(o, f);
  for (const Enum& e : f.enums) {
    EmitDoc(o, e.doc);
    o.L("enum class " + e.cpp + " : int32_t {");
    o.In();
    for (const auto& [name, value] : e.values) o.L(name + " = " + Num(value) + ",");
    o.Un();
    o.L("};");
    o.L("// The IDL name of v, or nullptr for a value the IDL does not know.");
    o.L("const char* EnumName(" + e.cpp + " v);");
    o.L("std::ostream& operator<<(std::ostream& os, " + e.cpp + " v);");
    o.L();
  }
  for (const Struct* s : f.structs) o.L("struct " + s->cpp + ";");
  if (!f.structs.empty()) o.L();
  for (const Typedef& t : f.typedefs) o.L("using " + t.cpp + " = " + CppType(t.type) + ";");
  if (!f.typedefs.empty()) o.L();
  for (const Struct* s : f.structs) EmitStructDecl(o, *s);
  for (const Struct* s : f.structs) EmitViewDecl(o, *s);
  for (const Struct* s : f.structs) EmitViewInlineDefs(o, *s);
  for (const Struct* s : f.structs) EmitBuilderDecl(o, *s);
  for (const Struct* s : f.structs) EmitBuilderInlineDefs(o, *s);
  for (const Const& c : f.consts) {
    const bool scalar = IsFixed(c.type);
    o.L(std::string(scalar ? "inline constexpr " : "inline const ") + CppType(c.type) + " " +
        c.cpp + " = " + c.value_cpp + ";");
  }
  if (!f.consts.empty()) o.L();
  CloseNs(o, f);
  return o.str();
}

std::string GenerateTypesSource(const File& f) {
  Out o;
  o.L("// Generated by tern gen from " + f.base + ".thrift. Do not edit.");
  o.L("#include \"" + f.base + "_types.h\"");
  o.L();
  o.L("#include <cstddef>");
  o.L();
  o.L("// offsetof on structs with std::string members is supported by GCC and");
  o.L("// Clang (the members' offsets are fixed); the standard calls it");
  o.L("// conditionally-supported.");
  o.L("#pragma GCC diagnostic ignored \"-Winvalid-offsetof\"");
  o.L();
  OpenNs(o, f);
  for (const Enum& e : f.enums) {
    o.L("const char* EnumName(" + e.cpp + " v) {");
    o.In();
    o.L("switch (static_cast<int32_t>(v)) {");
    o.In();
    std::set<int32_t> seen;
    for (const auto& [name, value] : e.values) {
      if (seen.insert(value).second) o.L("case " + Num(value) + ": return \"" + name + "\";");
    }
    o.L("default: return nullptr;");
    o.Un();
    o.L("}");
    o.Un();
    o.L("}");
    o.L("std::ostream& operator<<(std::ostream& os, " + e.cpp + " v) {");
    o.In();
    o.L("const char* name = EnumName(v);");
    o.L("if (name != nullptr) return os << name;");
    o.L("return os << static_cast<int32_t>(v);");
    o.Un();
    o.L("}");
    o.L();
  }
  CloseNs(o, f);
  // Field tables and container descriptors live in an unnamed namespace at
  // global scope, and name every type fully qualified.
  Out tables;
  TableEmitter te(tables);
  tables.L("namespace {");
  std::map<const Struct*, std::string> table_names;
  int k = 0;
  for (const Struct* s : f.structs) {
    const std::string name = "kTernFields" + Num(k++) + "_" + s->cpp;
    EmitFieldTable(tables, te, *s, name);
    table_names[s] = name;
  }
  tables.L("}  // namespace");
  tables.L();
  o.str() += tables.str();
  OpenNs(o, f);
  for (const Struct* s : f.structs) EmitStructDefs(o, *s, table_names[s]);
  for (const Struct* s : f.structs) EmitViewDefs(o, *s);
  for (const Struct* s : f.structs) EmitBuilderDefs(o, *s);
  CloseNs(o, f);
  return o.str();
}

// ---- services: handler interfaces, dispatch tables, client stubs -------------

std::string ResultCpp(const Function& fn) {
  return fn.returns_void ? std::string("void") : CppType(fn.result);
}

// "A1 a, A2 b" (the handler's and the stub's parameters: sinks, by value).
// AllocMode::kPmr: allocator-aware arguments by const reference instead. A
// server decodes them into the call's arena, where they live until the reply
// is sent; a by-value parameter would be move-constructed from them and keep
// the arena's allocator past that, while a copy of a const reference takes
// the default resource.
std::string Params(const Function& fn) {
  std::string s;
  for (const Field& a : fn.args) {
    const bool by_ref = !a.indirect && AllocAware(a.type);
    s += (s.empty() ? "" : ", ") + (by_ref ? "const " + FieldCppType(a) + "&" : FieldCppType(a)) +
         " " + a.cpp;
  }
  return s;
}
std::string ParamsThen(const Function& fn, const std::string& more) {
  const std::string p = Params(fn);
  return p.empty() ? more : p + ", " + more;
}
std::string MovedArgs(const Function& fn, const std::string& prefix) {
  std::string s;
  for (const Field& a : fn.args) {
    s += (s.empty() ? "" : ", ") + std::string("std::move(") + prefix + a.cpp + ")";
  }
  return s;
}
std::string ReplyType(const Function& fn) { return "::tern::rpc::Reply<" + ResultCpp(fn) + ">"; }
std::string ViewReplyType(const Function& fn) {
  return "::tern::rpc::ViewReply<" + ResultCpp(fn) + ", " +
         (fn.result_struct != nullptr ? fn.result_struct->qualified : std::string("void")) + ">";
}
// The view handler's parameters: each argument as its view type, by value.
std::string ViewParamsThen(const Function& fn, const std::string& more) {
  std::string p;
  for (const Field& a : fn.args) p += ViewType(a.type) + " " + a.cpp + ", ";
  return p + more;
}

void EmitServiceDecl(Out& o, const Service& s) {
  const bool ext = !s.extends_qualified.empty();
  o.L("// Service " + s.name + ", asynchronous handler: answer each call through its");
  o.L("// Reply, now or later, from any thread (tern/rpc/service.h).");
  o.L("class " + s.cpp + "AsyncHandler" +
      (ext ? " : public virtual " + s.extends_qualified + "AsyncHandler" : "") + " {");
  o.L(" public:");
  o.In();
  o.L("virtual ~" + s.cpp + "AsyncHandler() = default;");
  for (const Function& fn : s.functions) {
    o.L("virtual void async_" + fn.name + "(" + ParamsThen(fn, ReplyType(fn) + " tern_reply") +
        ") = 0;");
  }
  o.L();
  o.L("static const ::tern::rpc::ServiceDescriptor kTernService;");
  o.L("// Registers this service's methods (and its bases') with `server`.");
  o.L("static ::tern::Status TernRegister(::tern::rpc::Server& server,");
  o.L("                                   std::shared_ptr<" + s.cpp + "AsyncHandler> handler);");
  o.Un();
  o.L("};");
  o.L();
  o.L("// Service " + s.name + ", synchronous handler: each method returns its result or");
  o.L("// throws a declared exception; it runs on a poller thread unless the server");
  o.L("// has workers, so it must not block there. Override async_<method> as well to");
  o.L("// answer that one method asynchronously.");
  o.L("class " + s.cpp + "Handler : public virtual " + s.cpp + "AsyncHandler" +
      (ext ? ", public virtual " + s.extends_qualified + "Handler" : "") + " {");
  o.L(" public:");
  o.In();
  o.L("using " + s.cpp + "AsyncHandler::TernRegister;");
  for (const Function& fn : s.functions) {
    o.L("virtual " + ResultCpp(fn) + " " + fn.cpp + "(" + Params(fn) + ") = 0;");
  }
  o.L();
  for (const Function& fn : s.functions) {
    o.L("void async_" + fn.name + "(" + ParamsThen(fn, ReplyType(fn) + " tern_reply") +
        ") override;");
  }
  o.Un();
  o.L("};");
  o.L();
  o.L("// Service " + s.name + ", handler over copy-free views (needs codec =");
  o.L("// thrift_copyfree): each method gets its arguments as views of the received");
  o.L("// bytes, valid until it answers, and answers through tern_reply now, or later");
  o.L("// from any thread after moving it out. Results can be sent as builders");
  o.L("// (large strings by reference, no re-encoding).");
  o.L("class " + s.cpp + "ViewHandler" +
      (ext ? " : public virtual " + s.extends_qualified + "ViewHandler" : "") + " {");
  o.L(" public:");
  o.In();
  o.L("virtual ~" + s.cpp + "ViewHandler() = default;");
  for (const Function& fn : s.functions) {
    o.L("virtual void " + fn.cpp + "(" + ViewParamsThen(fn, ViewReplyType(fn) + "& tern_reply") +
        ") = 0;");
  }
  o.L();
  o.L("static const ::tern::rpc::ServiceDescriptor kTernViewService;");
  o.L("static ::tern::Status TernRegister(::tern::rpc::Server& server,");
  o.L("                                   std::shared_ptr<" + s.cpp + "ViewHandler> handler);");
  o.Un();
  o.L("};");
  o.L();
  o.L("// Service " + s.name + ", client: synchronous methods return the result or throw");
  o.L("// (declared exceptions, ::tern::rpc::RpcError); *_async ones return a Future.");
  o.L("class " + s.cpp + "Client" + (ext ? " : public " + s.extends_qualified + "Client" : "") +
      " {");
  o.L(" public:");
  o.In();
  if (ext) {
    o.L("explicit " + s.cpp + "Client(std::shared_ptr<::tern::rpc::Channel> channel)");
    o.L("    : " + s.extends_qualified + "Client(std::move(channel)) {}");
  } else {
    o.L("explicit " + s.cpp + "Client(std::shared_ptr<::tern::rpc::Channel> channel)");
    o.L("    : tern_channel_(std::move(channel)) {}");
    o.L("virtual ~" + s.cpp + "Client() = default;");
    o.L("::tern::rpc::Channel& tern_channel() const { return *tern_channel_; }");
  }
  o.L();
  for (const Function& fn : s.functions) {
    const std::string opts = "const ::tern::rpc::CallOptions& tern_options = {}";
    o.L(ResultCpp(fn) + " " + fn.cpp + "(" + ParamsThen(fn, opts) + ");");
    o.L("::tern::rpc::Future<" + ResultCpp(fn) + "> " + AsyncName(s, fn) + "(" +
        ParamsThen(fn, opts) + ");");
  }
  if (!ext) {
    o.Un();
    o.L();
    o.L(" protected:");
    o.In();
    o.L("std::shared_ptr<::tern::rpc::Channel> tern_channel_;");
  }
  o.Un();
  o.L("};");
  o.L();
}

// The dispatch table of one handler interface (closing the file-local
// namespace its invokers are in), its ServiceDescriptor `desc` and its
// TernRegister, which also registers the base service's handler of the
// same kind. view: the entries set invoke_view (TernInvokeView_*) instead
// of invoke (TernInvoke_*).
void EmitDispatch(Out& o, const Service& s, const std::string& handler, const std::string& desc,
                  bool view) {
  const std::string svc = s.cpp;
  const std::string table = std::string(view ? "kTernViewMethods_" : "kTernMethods_") + svc;
  const std::string kind = view ? "ViewHandler" : "AsyncHandler";
  o.L("const ::tern::rpc::MethodEntry " + table + "[] = {");
  o.In();
  for (const Function& fn : s.functions) {
    const std::string id = svc + "_" + fn.name;
    o.L("{\"" + fn.name + "\", &" + fn.args_struct->cpp + "::kTernTypeInfo, " +
        (fn.result_struct != nullptr ? "&" + fn.result_struct->cpp + "::kTernTypeInfo"
                                     : std::string("nullptr")) +
        ", " + (fn.oneway ? "true" : "false") + ", " +
        (view ? "nullptr, &TernInvokeView_" + id : "&TernInvoke_" + id + ", nullptr") + "},");
  }
  if (s.functions.empty()) o.L("{\"\", nullptr, nullptr, false, nullptr, nullptr},");
  o.Un();
  o.L("};");
  o.L();
  o.L("}  // namespace");
  o.L();
  o.L("const ::tern::rpc::ServiceDescriptor " + handler + "::" + desc + " = {");
  o.L("    \"" + s.name + "\", " + table + ", " + Num(s.functions.size()) + ", " +
      (s.extends_qualified.empty() ? std::string("nullptr")
                                   : "&" + s.extends_qualified + kind + "::" + desc) +
      "};");
  o.L();
  o.L("::tern::Status " + handler + "::TernRegister(::tern::rpc::Server& server,");
  o.L("                                    std::shared_ptr<" + handler + "> handler) {");
  o.In();
  o.L("void* self = static_cast<void*>(static_cast<" + handler + "*>(handler.get()));");
  if (s.extends_qualified.empty()) {
    o.L("return server.AddService(" + desc + ", self, std::move(handler));");
  } else {
    o.L("::tern::Status st = server.AddService(" + desc + ", self, handler);");
    o.L("if (!st.ok()) return st;");
    o.L("return " + s.extends_qualified + kind + "::TernRegister(server, std::move(handler));");
  }
  o.Un();
  o.L("}");
  o.L();
}

// The view handler's invokers, dispatch table and registration (after
// EmitServiceDefs' helpers: TernSet_/TernCatch_ are reused).
void EmitViewServiceDefs(Out& o, const Service& s) {
  const std::string svc = s.cpp;
  const std::string vh = svc + "ViewHandler";
  o.L("namespace {");
  o.L();
  for (const Function& fn : s.functions) {
    const std::string id = svc + "_" + fn.name;
    const Struct* res = fn.result_struct;
    const std::string catcher =
        (res != nullptr && !fn.throws.empty()) ? "&TernCatch_" + id : "nullptr";
    o.L("void TernInvokeView_" + id + "(void* h, ::tern::rpc::ServerCall* call) {");
    o.In();
    std::string args;
    if (!fn.args.empty()) {
      const Struct& a = *fn.args_struct;
      o.L("const auto args = " + a.cpp + "::" + ViewName(a) + "::TernFrom(call->args());");
      for (const Field& f : fn.args) args += "args." + f.cpp + "(), ";
    }
    o.L(ViewReplyType(fn) + " reply(call, " +
        (fn.returns_void ? catcher : "&TernSet_" + id + ", " + catcher) + ");");
    o.L("try {");
    o.L("  static_cast<" + vh + "*>(h)->" + fn.cpp + "(" + args + "reply);");
    o.L("} catch (...) {");
    o.L("  reply.Fail(std::current_exception());");
    o.L("}");
    o.Un();
    o.L("}");
  }
  EmitDispatch(o, s, vh, "kTernViewService", /*view=*/true);
}

void EmitServiceDefs(Out& o, const Service& s) {
  const std::string svc = s.cpp;
  const std::string ah = svc + "AsyncHandler";
  // File-local helpers: setters, exception catchers, invokers, extractors.
  o.L("namespace {");
  o.L();
  for (const Function& fn : s.functions) {
    const std::string id = svc + "_" + fn.name;
    const Struct* res = fn.result_struct;
    if (res != nullptr && !fn.returns_void) {
      o.L("void TernSet_" + id + "(void* r, " + ResultCpp(fn) + "&& v) {");
      o.L("  static_cast<" + res->cpp + "*>(r)->set_success(std::move(v));");
      o.L("}");
    }
    if (res != nullptr && !fn.throws.empty()) {
      o.L("bool TernCatch_" + id + "(void* r, const std::exception_ptr& e) {");
      o.In();
      o.L("try {");
      o.L("  std::rethrow_exception(e);");
      std::set<std::string> caught;
      for (const Field& t : fn.throws) {
        // An exception type listed twice lands in its first field (a second
        // handler would never run, and g++ warns about it).
        if (!caught.insert(CppType(t.type)).second) continue;
        o.L("} catch (const " + CppType(t.type) + "& x) {");
        o.L("  static_cast<" + res->cpp + "*>(r)->set_" + t.name + "(x);");
        o.L("  return true;");
      }
      o.L("} catch (...) {");
      o.L("}");
      o.L("return false;");
      o.Un();
      o.L("}");
    }
    const std::string catcher =
        (res != nullptr && !fn.throws.empty()) ? "&TernCatch_" + id : "nullptr";
    o.L("void TernInvoke_" + id + "(void* h, ::tern::rpc::ServerCall* call) {");
    o.In();
    if (!fn.args.empty()) {
      o.L("auto& args = *static_cast<" + fn.args_struct->cpp + "*>(call->args());");
    }
    const std::string reply = fn.returns_void
                                  ? ReplyType(fn) + "(call, " + catcher + ")"
                                  : ReplyType(fn) + "(call, &TernSet_" + id + ", " + catcher + ")";
    const std::string moved = MovedArgs(fn, "args.");
    o.L("static_cast<" + ah + "*>(h)->async_" + fn.name + "(" +
        (moved.empty() ? reply : moved + ", " + reply) + ");");
    o.Un();
    o.L("}");
    if (res != nullptr) {
      o.L("void TernExtract_" + id + "(" + res->cpp + "& r, ::tern::rpc::detail::FutureState<" +
          ResultCpp(fn) + ">& out) {");
      o.In();
      if (fn.returns_void && fn.throws.empty()) o.L("(void)r;");
      if (!fn.returns_void) {
        o.L("if (r.has_success()) {");
        o.L("  out.SetValue(std::move(r.success));");
        o.L("  return;");
        o.L("}");
      }
      for (const Field& t : fn.throws) {
        o.L("if (r.has_" + t.name + "()) {");
        o.L("  out.SetError(std::make_exception_ptr(std::move(r." + t.cpp + ")));");
        o.L("  return;");
        o.L("}");
      }
      if (fn.returns_void) {
        o.L("out.SetValue({});");
      } else {
        o.L("out.SetError(::tern::rpc::detail::MissingResult(\"" + s.name + "\", \"" + fn.name +
            "\"));");
      }
      o.Un();
      o.L("}");
    }
    o.L("constexpr ::tern::rpc::MethodDesc kTernMethod_" + id + "{\"" + s.name + "\", \"" +
        fn.name + "\", &" + fn.args_struct->cpp + "::kTernTypeInfo, " +
        (res != nullptr ? "&" + res->cpp + "::kTernTypeInfo" : std::string("nullptr")) + ", " +
        (fn.oneway ? "true" : "false") + "};");
    o.L();
  }
  EmitDispatch(o, s, ah, "kTernService", /*view=*/false);
  EmitViewServiceDefs(o, s);
  // The synchronous handler's adapters.
  for (const Function& fn : s.functions) {
    o.L("void " + svc + "Handler::async_" + fn.name + "(" +
        ParamsThen(fn, ReplyType(fn) + " tern_reply") + ") {");
    o.In();
    o.L("try {");
    if (fn.returns_void) {
      // this->: an argument may have the method's name.
      o.L("  this->" + fn.cpp + "(" + MovedArgs(fn, "") + ");");
      o.L("  tern_reply.Send();");
    } else {
      o.L("  tern_reply.Send(this->" + fn.cpp + "(" + MovedArgs(fn, "") + "));");
    }
    o.L("} catch (...) {");
    o.L("  tern_reply.Fail(std::current_exception());");
    o.L("}");
    o.Un();
    o.L("}");
    o.L();
  }
  // The client's methods.
  for (const Function& fn : s.functions) {
    const std::string id = svc + "_" + fn.name;
    const std::string opts = "const ::tern::rpc::CallOptions& tern_options";
    const std::string rt = ResultCpp(fn);
    o.L(rt + " " + svc + "Client::" + fn.cpp + "(" + ParamsThen(fn, opts) + ") {");
    o.In();
    o.L("::tern::rpc::detail::CheckMayBlock(*tern_channel_, \"" + s.name + "\", \"" + fn.name +
        "\");");
    std::string moved = MovedArgs(fn, "");
    moved = moved.empty() ? "tern_options" : moved + ", tern_options";
    if (fn.returns_void) {
      o.L("this->" + AsyncName(s, fn) + "(" + moved + ").Get();");
    } else {
      o.L("return this->" + AsyncName(s, fn) + "(" + moved + ").Get();");
    }
    o.Un();
    o.L("}");
    o.L("::tern::rpc::Future<" + rt + "> " + svc + "Client::" + AsyncName(s, fn) + "(" +
        ParamsThen(fn, opts) + ") {");
    o.In();
    o.L(fn.args_struct->qualified + " tern_args;");
    for (const Field& a : fn.args) o.L("tern_args." + a.cpp + " = std::move(" + a.cpp + ");");
    if (fn.result_struct == nullptr) {
      o.L("auto* tern_call = new ::tern::rpc::detail::OnewayCall();");
    } else {
      o.L("auto* tern_call = new ::tern::rpc::detail::StubCall<" + fn.result_struct->qualified +
          ", " + rt + ">(&TernExtract_" + id + ");");
    }
    o.L("auto tern_future = tern_call->future();");
    o.L("tern_channel_->Call(kTernMethod_" + id + ", &tern_args, tern_call, tern_options);");
    o.L("return tern_future;");
    o.Un();
    o.L("}");
    o.L();
  }
}

}  // namespace

std::string GenerateServicesHeader(const File& f) {
  Out o;
  o.L("// Generated by tern gen from " + f.base + ".thrift. Do not edit.");
  o.L("// Per service: the wire structs <Service>_<function>_args and");
  o.L("// <Service>_<function>_result (named and numbered as Apache Thrift does, so");
  o.L("// either side of a call may be Apache Thrift), the handler interfaces");
  o.L("// <Service>AsyncHandler and <Service>Handler, and the client <Service>Client.");
  o.L("#pragma once");
  o.L();
  o.L("#include <exception>");
  o.L("#include <memory>");
  o.L();
  o.L("#include \"tern/rpc/client.h\"");
  o.L("#include \"tern/rpc/server.h\"");
  o.L("#include \"tern/rpc/service.h\"");
  o.L("#include \"" + f.base + "_types.h\"");
  std::set<std::string> extra;
  for (const auto& s : f.services) {
    if (!s.extends_header.empty() && s.extends_header != f.base + "_services.h") {
      extra.insert(s.extends_header);
    }
  }
  for (const auto& h : extra) o.L("#include \"" + h + "\"");
  o.L();
  OpenNs(o, f);
  for (const Struct* s : f.service_structs) o.L("struct " + s->cpp + ";");
  o.L();
  for (const Struct* s : f.service_structs) EmitStructDecl(o, *s);
  for (const Struct* s : f.service_structs) EmitViewDecl(o, *s);
  for (const Struct* s : f.service_structs) EmitViewInlineDefs(o, *s);
  for (const Struct* s : f.service_structs) EmitBuilderDecl(o, *s);
  for (const Struct* s : f.service_structs) EmitBuilderInlineDefs(o, *s);
  for (const Service& s : f.services) EmitServiceDecl(o, s);
  CloseNs(o, f);
  return o.str();
}

std::string GenerateServicesSource(const File& f) {
  Out o;
  o.L("// Generated by tern gen from " + f.base + ".thrift. Do not edit.");
  o.L("#include \"" + f.base + "_services.h\"");
  o.L();
  o.L("#include <cstddef>");
  o.L();
  o.L("#pragma GCC diagnostic ignored \"-Winvalid-offsetof\"");
  o.L();
  Out tables;
  TableEmitter te(tables);
  tables.L("namespace {");
  std::map<const Struct*, std::string> names;
  int k = 0;
  for (const Struct* s : f.service_structs) {
    const std::string name = "kTernServiceFields" + Num(k++) + "_" + s->cpp;
    EmitFieldTable(tables, te, *s, name);
    names[s] = name;
  }
  tables.L("}  // namespace");
  tables.L();
  o.str() += tables.str();
  OpenNs(o, f);
  for (const Struct* s : f.service_structs) EmitStructDefs(o, *s, names[s]);
  for (const Struct* s : f.service_structs) EmitViewDefs(o, *s);
  for (const Struct* s : f.service_structs) EmitBuilderDefs(o, *s);
  for (const Service& s : f.services) EmitServiceDefs(o, s);
  CloseNs(o, f);
  return o.str();
}

std::vector<GeneratedFile> GenerateCpp(const File& file) {
  std::vector<GeneratedFile> out;
  out.push_back({file.base + "_types.h", GenerateTypesHeader(file)});
  out.push_back({file.base + "_types.cc", GenerateTypesSource(file)});
  if (!file.services.empty()) {
    out.push_back({file.base + "_services.h", GenerateServicesHeader(file)});
    out.push_back({file.base + "_services.cc", GenerateServicesSource(file)});
  }
  return out;
}

}  // namespace tern::gen
