"""Drop the parts of Transcrypt's runtime that the compiled SDK never reaches.

Transcrypt's runtime module is ~70 KB of ES code whose top level is full of side effects
(`Array.prototype.x = ...`, exception classes built at load), so esbuild cannot tree-shake it.
This step does what esbuild cannot: it splits the runtime into top-level statements, starts from
the identifiers and property names that the SDK's own modules use, and keeps only the statements
reachable from them. It also narrows each module's runtime import to the names it uses, so the
bundle stays one ES module graph that esbuild can still check.

It works on the shape Transcrypt 3.9.5 emits (one top-level statement starts at column 0, bodies
are indented); the version is pinned in pyproject.toml and tests/unit/test_shake_runtime.py checks
the split against the real runtime.
"""
import re
import sys
from pathlib import Path

RUNTIME = 'org.transcrypt.__runtime__.js'
IDENT = re.compile(r'[A-Za-z_$][\w$]*')
IMPORT_RUNTIME = re.compile(r"^import \{([^}]*)\} from '\./org\.transcrypt\.__runtime__\.js';$", re.M)
DEFINES = re.compile(r'^(?:export )?(?:var|let|const|function\*?|class)\s*([A-Za-z_$][\w$]*)')
PROTO_ASSIGN = re.compile(r'^[A-Za-z_$][\w$]*\.prototype\.([A-Za-z_$][\w$]*)\s*=')
PROTO_DEFINE = re.compile(r"^(?:Object\.defineProperty|__method__)\s*\(\s*[A-Za-z_$][\w$]*\.prototype,\s*'([A-Za-z_$][\w$]*)'")
PROTO_SETPROP = re.compile(r"^__setproperty__\s*\(\s*[A-Za-z_$][\w$]*\.prototype,\s*'([A-Za-z_$][\w$]*)'")
# Runtime definitions replaced by lean ones. The SDK treats every mapping as a plain JS object
# (pages hand it plain objects anyway), so a dict literal compiles to `dict ({...})` and stays the
# object itself; xng/core/values.py gives the few operations the SDK needs on such objects.
OVERRIDES = {
    'dict': 'export function dict (objectLiteral) {return objectLiteral;}',
    # The SDK calls len() on strings and arrays only (values.keys_of counts an object's keys).
    'len': 'export function len (sized) {return sized.length;}',
    # min() of numbers only.
    'min': 'export function min (...numbers) {return Math.min (...numbers);}',
}
# The page's built-ins are not ours: no patch of their prototypes is ever kept (the runtime adds
# `Array.prototype.append`, `String.prototype.strip` ... for Python's methods on plain values). The
# SDK uses xng/core/values.py's helpers instead; a module that still calls such a method by a name no
# native object has fails the build (NATIVE_METHOD_NAMES lists the names that are also methods of native
# objects, e.g. DOMTokenList.add or Array.prototype.find: the SDK may call those).
BUILT_INS = {'Object', 'Array', 'String', 'Number', 'Boolean', 'Function', 'Promise', 'Symbol', 'Date', 'RegExp',
             'Map', 'Set', 'Error', 'Uint8Array', 'ArrayBuffer', 'DataView', 'BigInt', 'URL', 'Math', 'JSON'}
NATIVE_METHOD_NAMES = {'add', 'find', 'remove', 'replace', 'includes', 'join', 'entries', 'values'}


class BuiltInPatch(Exception):
    """A compiled module calls a method that only Transcrypt's patch of a built-in prototype provides."""


IMPORTS = re.compile(r'^import\s*\{[^}]*?(?:\sas\s+)?([A-Za-z_$][\w$]*)\s*\}\s*from')
OWNED_ASSIGN = re.compile(r'^([A-Za-z_$][\w$]*)\.[A-Za-z_$][\w$.]*\s*=')


def split_statements(source):
    """Split ES source into top-level statements: each starts at a column-0 line that is not a closer."""
    chunks, current = [], []
    for line in source.split('\n'):
        starts = line[:1] not in ('', ' ', '\t', '}', ')', ']') and not line.startswith('//')
        if starts and current and _closed(current):
            chunks.append('\n'.join(current))
            current = []
        current.append(line)
    if current:
        chunks.append('\n'.join(current))
    return chunks


def _closed(lines):
    """A statement is complete when its brackets balance (strings and comments are rare enough here)."""
    text = '\n'.join(_strip_comment(line) for line in lines)
    text = re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", text)
    return all(text.count(a) == text.count(b) for a, b in ('{}', '()', '[]'))


def _strip_comment(line):
    return '' if line.lstrip().startswith('//') else line


def classify(chunk):
    """Return (kind, key) for a statement: ('defines', name), ('proto', prop), ('owned', name) or ('keep', None)."""
    code = '\n'.join(line for line in chunk.split('\n') if not line.startswith('//')).strip()
    for pattern, kind in ((IMPORTS, 'defines'), (DEFINES, 'defines'), (PROTO_ASSIGN, 'proto'), (PROTO_SETPROP, 'proto'), (PROTO_DEFINE, 'proto'), (OWNED_ASSIGN, 'owned')):
        match = pattern.match(code)
        if match:
            return kind, match.group(1)
    return ('keep', None) if code else ('drop', None)


STRING_OR_COMMENT = re.compile(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|//[^\n]*|/\*.*?\*/", re.S)
WORD = re.compile(r'(\.\s*)?([A-Za-z_$][\w$]*)')


PROTO_PREFIX = re.compile(r'^([A-Za-z_$][\w$]*)\.prototype\.([A-Za-z_$][\w$]*)\s*=\s*')


METHOD_HELPER = ('function __method__ (prototype, name, value) '
                 '{Object.defineProperty (prototype, name, {value: value, writable: true, configurable: true});}')


def non_enumerable(chunk):
    """`X.prototype.m = f;` -> defineProperty: a host page's for...in over its arrays must not see `m`."""
    match = PROTO_PREFIX.match(chunk)
    if not match:
        return chunk
    value = chunk[match.end():].rstrip().rstrip(';')
    return "__method__ (%s.prototype, '%s', %s);" % (match.group(1), match.group(2), value)


def tokens(code):
    """Names a piece of code uses: bare identifiers as-is, property accesses as '.name'."""
    found = set()
    for dot, name in WORD.findall(STRING_OR_COMMENT.sub("''", code)):
        found.add('.' + name if dot else name)
    return found


def proto_owner(chunk):
    """The object whose prototype a 'proto' statement patches: `String` for `String.prototype.x = ...`."""
    code = '\n'.join(line for line in chunk.split('\n') if not line.startswith('//')).strip()
    match = re.match(r'^(?:[\w$]+\s*\(\s*)?([A-Za-z_$][\w$]*)\.prototype\b', code)
    return match.group(1) if match else None


def shake(runtime_source, roots, explain=False, patched=None):
    """Keep the runtime statements reachable from the identifier set `roots`; return the new source.

    Patches of built-in prototypes are never kept; the (owner, method) of each one the roots reach
    is added to the set `patched` when one is given.
    """
    chunks = split_statements(runtime_source)
    kinds = [classify(chunk) for chunk in chunks]
    for index, (kind, key) in enumerate(kinds):
        if kind == 'proto' and proto_owner(chunks[index]) in BUILT_INS:
            kinds[index] = ('patch', key)  # never kept; reaching it is recorded in `patched`
        elif key in OVERRIDES and kind == 'defines':
            chunks[index] = OVERRIDES[key]
        elif key in OVERRIDES and kind == 'owned':
            kinds[index] = ('drop', None)
    kept = [kind == 'keep' for kind, _ in kinds]
    seen = set(roots)
    for index, chunk in enumerate(chunks):
        if kept[index]:
            seen |= tokens(chunk)
    changed = True
    reasons = {}
    while changed:
        changed = False
        for index, (kind, key) in enumerate(kinds):
            wanted = ('.' + key) if kind in ('proto', 'patch') else key
            if kept[index] or kind in ('keep', 'drop') or wanted not in seen:
                continue
            if kind == 'patch':
                if patched is not None:
                    patched.add((proto_owner(chunks[index]), key))
                continue
            kept[index] = True
            for token in tokens(chunks[index]) - seen:
                reasons[token] = key
            seen |= tokens(chunks[index])
            changed = True
            if explain:
                print('keeps %-8s %-22s (needed by %s)' % (kind, key, reasons.get(wanted, 'the SDK')))
    exported = {key for (kind, key), keep in zip(kinds, kept) if keep and kind == 'defines'}
    body = '\n'.join(non_enumerable(chunk) if kind == 'proto' else chunk
                     for chunk, (kind, _), keep in zip(chunks, kinds, kept) if keep)
    if '__method__ (' in body:
        body = METHOD_HELPER + '\n' + body
    return body, exported


def module_roots(module_source):
    """Identifiers a compiled module uses, its own runtime import line left out."""
    return tokens(IMPORT_RUNTIME.sub('', module_source))


def narrow_import(module_source, available):
    """Rewrite a module's runtime import to the names it uses; the line count stays the same for its source map."""
    used = module_roots(module_source)

    def narrowed(match):
        names = [name.strip() for name in match.group(1).split(',')]
        keep = [name for name in names if name in used and name in available]
        return "import {%s} from './%s';" % (', '.join(keep), RUNTIME) if keep else '// no runtime import'

    return IMPORT_RUNTIME.sub(narrowed, module_source)


DICT_CALL = re.compile(r'(?<![\w$.])dict \(')


def mark_pure(module_source):
    """`dict ({...})` is the identity (OVERRIDES): tell esbuild, so an unused object literal can go.

    The ES module's default export is such a literal of every method; a bundle that imports only a
    few of them keeps only those (and what they reach)."""
    return DICT_CALL.sub('/* @__PURE__ */ dict (', module_source)


LAMBDA = re.compile(r'\(function __lambda__ \(([^)]*)\) \{(\s*)return ')
FUNCTION_VAR = re.compile(r'^(export )?var ([A-Za-z_$][\w$]*) = function \(', re.M)


def _closing(source, start):
    """The index of the bracket that closes the one at `start` (strings skipped)."""
    depth, quote, index = 0, None, start
    while index < len(source):
        char = source[index]
        if quote:
            if char == '\\':
                index += 1
            elif char == quote:
                quote = None
        elif char in '\'"`':
            quote = char
        elif char in '({[':
            depth += 1
        elif char in ')}]':
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError('unbalanced brackets after offset %d' % start)


def compact(module_source):
    """Shorter shapes for two of Transcrypt's, with the same meaning and the same lines (source maps):

    - a lambda, `(function __lambda__ (a) {return x;})`, becomes an arrow, `((a) => (x))` (a Python
      lambda uses neither `this` nor `arguments`);
    - a top-level `var f = function (...)` becomes `function f (...)` (a def is never redefined at
      the top level of the SDK's modules; a declaration is only hoisted).
    Not every def as an arrow: 79 bytes less in the core build, but V8 pre-parses arrows more slowly,
    and the bundle's compile grew by about 40% (bench/README.md, "Applied on branch size").
    """
    source = FUNCTION_VAR.sub(r'\1function \2 (', module_source)
    while True:
        found = list(LAMBDA.finditer(source))
        if not found:
            return source
        match = found[-1]  # the last first: a lambda inside it is already an arrow
        brace = match.end() - len(match.group(2)) - len('return ') - 1
        close = _closing(source, brace)
        body = source[match.end():close]
        expression = body.rstrip()
        if not expression.endswith(';') or source[close + 1] != ')':
            raise ValueError('unexpected lambda shape: %s' % source[match.start():close + 2])
        source = (source[:match.start()] + '((%s) => (%s%s%s))' % (match.group(1), match.group(2), expression[:-1],
                                                                 body[len(expression):])
                  + source[close + 2:])


def shake_target(target_dir, explain=False):
    """Shake the runtime in a Transcrypt __target__ folder in place; return (before, after) sizes."""
    target = Path(target_dir)
    runtime_path = target / RUNTIME
    modules = [path for path in sorted(target.glob('*.js')) if path.name != RUNTIME]
    roots = set()
    for path in modules:
        roots |= module_roots(path.read_text())
    before = runtime_path.read_text()
    patched = set()
    after, exported = shake(re.sub(r'\n//# sourceMappingURL=.*$', '', before), roots, explain, patched)
    python_only = sorted('%s.prototype.%s' % pair for pair in patched if pair[1] not in NATIVE_METHOD_NAMES)
    if python_only:
        users = sorted(path.name for path in modules if module_roots(path.read_text()) &
                       {'.' + name.rsplit('.', 1)[1] for name in python_only})
        raise BuiltInPatch('%s: %s exist only as Transcrypt runtime patches of the page\'s built-ins; use the helpers of '
                           'xng/core/values.py (push, trim, index_of, slice_of)'
                           % (', '.join(users) or 'the runtime functions the modules use', ', '.join(python_only)))
    runtime_path.write_text(after + '\n')
    for path in modules:
        path.write_text(compact(mark_pure(narrow_import(path.read_text(), exported))))
    return len(before), len(after)


if __name__ == '__main__':
    # `python tools/shake_runtime.py DIR --why` shakes a copy of a __target__ and says why each part stays.
    print('runtime: %d -> %d bytes' % shake_target(sys.argv[1], '--why' in sys.argv))
