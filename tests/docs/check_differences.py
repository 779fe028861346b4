#!/usr/bin/python3
"""Keeps docs/DIFFERENCES.md true to the tests, and the repository free of paths outside it.

Two checks, each reported as `path:line: problem`; the exit status is 1 if either finds one.

1. docs/DIFFERENCES.md. Every Markdown table in it must end in a "proved by" column, and every
   row of every table must name at least one test there. A reference is a backticked test file
   (a path from the repository root, ending in .cpp, .cc, .c or .py) followed by one or more
   backticked test names:
   - GoogleTest (.cpp, .cc, .c): `Suite.Name` for TEST(Suite, Name), TEST_F(Suite, Name) or
     TEST_P(Suite, Name) outside comments. A TEST_P also needs an INSTANTIATE_TEST_SUITE_P of
     its suite in the same file, a TYPED_TEST a TYPED_TEST_SUITE, a TYPED_TEST_P a
     REGISTER_TYPED_TEST_SUITE_P that lists it and an INSTANTIATE_TYPED_TEST_SUITE_P, since a
     test that is never instantiated never runs. DISABLED_ tests do not count. The file must be
     named, by its path relative to that CMakeLists.txt, in a CMakeLists.txt of its own
     directory or of a directory above it.
   - pytest (.py, named test_*.py or *_test.py): `test_name` for a `def test_name(` (or async
     def) at module level, or `Class.test_name` for a method of a module-level class whose name
     starts with Test. Functions nested in functions are not collected, so they do not count.
   The first cell of each row is its id and must be unique. README.md must link to the page.

2. No file of the repository refers to a path outside it. The files are those git lists
   (tracked, plus untracked ones .gitignore does not exclude), or, without git, every file
   under the root except build*/, out/, .git/, .cache/ and __pycache__/. A path is a run of
   the characters [A-Za-z0-9_.+@~/-]. A file refers outside the repository when it has:
   - a relative path that holds a parent step (two dots then a slash) and that, joined to the
     file's own directory and normalised, climbs above the repository root. Paths right
     after `}`, `)` or `$` (built on a variable or a command, so relative to something else)
     are not relative to the file and are left alone;
   - an absolute path inside the workspace this repository was developed in (WORKSPACE_ROOT
     below), or inside the repository's own absolute location (a checkout-specific path);
   - a symbolic link whose target is absolute or climbs above the root.
   System paths (/usr/lib/..., /etc/watcher/...) and URLs are not references outside the
   repository: the first is where the packages install, the second is not a file path.
"""

import argparse
import ast
import os
import posixpath
import re
import subprocess
import sys

DOCUMENT = "docs/DIFFERENCES.md"
README = "README.md"
PROVED_BY = "proved by"

# The workspace the repository was developed in holds it next to other directories that no
# clone has. Written in two parts so this file does not contain the path it looks for.
WORKSPACE_ROOT = "/" + "work"
PARENT_STEP = os.pardir + "/"

TEST_FILE = re.compile(r"^[\w.+@-]+(/[\w.+@-]+)*\.(cpp|cc|c|py)$")
GTEST_NAME = re.compile(r"^([A-Za-z_]\w*)\.([A-Za-z_]\w*)$")
PYTEST_NAME = re.compile(r"^(?:([A-Za-z_]\w*)\.)?(test\w*)$")
GTEST_MACRO = re.compile(
    r"\b(TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\s*\(\s*([A-Za-z_]\w*)\s*,\s*([A-Za-z_]\w*)\s*\)")
PATH_TOKEN = re.compile(r"[A-Za-z0-9_.+@~/-]+")
NOT_FILE_RELATIVE = "})$"


class Problems:
    def __init__(self):
        self.items = []

    def add(self, path, line, message):
        self.items.append("%s:%s: %s" % (path, line, message))


# --- docs/DIFFERENCES.md ------------------------------------------------------------------------

def split_cells(line):
    """The cells of one Markdown table row: `|` splits outside code spans and unless escaped."""
    cells, current, in_code, previous = [], [], False, ""
    for ch in line.strip():
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code and previous != "\\":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        previous = ch
    cells.append("".join(current).strip())
    if cells and cells[0] == "":
        cells = cells[1:]
    if cells and cells[-1] == "":
        cells = cells[:-1]
    return cells


def tables(text):
    """[(header line number, header cells, [(line number, cells), ...])] of every table."""
    found, block = [], []
    for number, line in enumerate(text.splitlines() + [""], start=1):
        if line.lstrip().startswith("|"):
            block.append((number, split_cells(line)))
            continue
        if block:
            header_line, header = block[0]
            body = block[1:]
            if body and all(re.fullmatch(r":?-+:?", c) for c in body[0][1]):
                body = body[1:]
            found.append((header_line, header, body))
            block = []
    return found


def references(cell):
    """[(file, [names])] from a "proved by" cell, plus the problems of its form."""
    refs, errors = [], []
    for span in re.findall(r"`([^`]+)`", cell):
        span = span.strip()
        if "/" in span and TEST_FILE.match(span):
            refs.append((span, []))
        elif refs:
            refs[-1][1].append(span)
        else:
            errors.append("test name `%s` before any test file" % span)
    for path, names in refs:
        if not names:
            errors.append("`%s` names no test" % path)
    return refs, errors


def strip_c_comments(source):
    """The source with // and /* */ comments blanked (newlines kept); string, character and
    raw string literals are skipped over, so comment markers inside them stay."""
    out, i, n = [], 0, len(source)
    while i < n:
        ch = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("".join(c if c == "\n" else " " for c in source[i:end]))
            i = end
        elif ch == "R" and source.startswith('R"', i) and (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")):
            open_paren = source.find("(", i + 2)
            delimiter = source[i + 2:open_paren] if open_paren >= 0 else ""
            end = source.find(")" + delimiter + '"', open_paren + 1) if open_paren >= 0 else -1
            end = n if end < 0 else end + len(delimiter) + 2
            out.append(source[i:end])
            i = end
        elif ch in "\"'":
            j = i + 1
            while j < n and source[j] != ch and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            out.append(source[i:j + 1])
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def gtest_problem(repo, path, name):
    """None when `path` defines the GoogleTest `name` (Suite.Name) and it runs, else why not."""
    match = GTEST_NAME.match(name)
    if not match:
        return "`%s` is not a GoogleTest name (Suite.Name)" % name
    suite, test = match.groups()
    if suite.startswith("DISABLED_") or test.startswith("DISABLED_"):
        return "`%s` is disabled" % name
    with open(os.path.join(repo, path), encoding="utf-8", errors="replace") as f:
        source = strip_c_comments(f.read())
    macros = {(m.group(2), m.group(3)): m.group(1) for m in GTEST_MACRO.finditer(source)}
    macro = macros.get((suite, test))
    if macro is None:
        return "no TEST, TEST_F or TEST_P (%s, %s) in %s" % (suite, test, path)
    s = re.escape(suite)
    if macro == "TEST_P" and not re.search(
            r"\bINSTANTIATE_TEST_(SUITE|CASE)_P\s*\(\s*\w*\s*,\s*%s\s*," % s, source):
        return "TEST_P(%s, %s) is never instantiated in %s" % (suite, test, path)
    if macro == "TYPED_TEST" and not re.search(r"\bTYPED_TEST_(SUITE|CASE)\s*\(\s*%s\s*," % s, source):
        return "TYPED_TEST(%s, %s) has no TYPED_TEST_SUITE in %s" % (suite, test, path)
    if macro == "TYPED_TEST_P":
        registered = re.search(r"\bREGISTER_TYPED_TEST_(SUITE|CASE)_P\s*\(\s*%s\s*,([^)]*)\)" % s, source)
        if not registered or test not in re.findall(r"\w+", registered.group(2)):
            return "TYPED_TEST_P(%s, %s) is not registered in %s" % (suite, test, path)
        if not re.search(r"\bINSTANTIATE_TYPED_TEST_(SUITE|CASE)_P\s*\(\s*\w*\s*,\s*%s\s*," % s, source):
            return "TYPED_TEST_P(%s, %s) is never instantiated in %s" % (suite, test, path)
    return None


def built_by_cmake(repo, path):
    """Whether a CMakeLists.txt in the file's directory or above names it by its path from there."""
    directory = posixpath.dirname(path)
    while True:
        cmake = os.path.join(repo, directory, "CMakeLists.txt")
        if os.path.isfile(cmake):
            relative = posixpath.relpath(path, directory or ".")
            with open(cmake, encoding="utf-8", errors="replace") as f:
                if re.search(r"(?<![\w./-])%s(?![\w.-])" % re.escape(relative), f.read()):
                    return True
        if not directory:
            return False
        directory = posixpath.dirname(directory)


def pytest_problem(repo, path, name):
    """None when `path` defines the pytest test `name` (test_x or Class.test_x), else why not."""
    match = PYTEST_NAME.match(name)
    if not match:
        return "`%s` is not a pytest test name (test_name or TestClass.test_name)" % name
    owner, test = match.groups()
    base = posixpath.basename(path)
    if not (base.startswith("test_") or base.endswith("_test.py")):
        return "%s is not a file pytest collects (test_*.py or *_test.py)" % path
    with open(os.path.join(repo, path), encoding="utf-8", errors="replace") as f:
        try:
            module = ast.parse(f.read(), filename=path)
        except SyntaxError as e:
            return "%s does not parse: %s" % (path, e)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    if owner is None:
        if any(isinstance(node, functions) and node.name == test for node in module.body):
            return None
        return "no module-level def %s( in %s" % (test, path)
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == owner:
            if not owner.startswith("Test"):
                return "class %s in %s is not collected by pytest (not Test*)" % (owner, path)
            if any(isinstance(item, functions) and item.name == test for item in node.body):
                return None
            return "class %s in %s has no def %s(" % (owner, path, test)
    return "no module-level class %s in %s" % (owner, path)


def check_document(repo, problems, document=DOCUMENT):
    """Checks the page; returns (rows, references) counted."""
    path = os.path.join(repo, document)
    if not os.path.isfile(path):
        problems.add(document, 0, "missing")
        return 0, 0
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = tables(text)
    if not found:
        problems.add(document, 0, "has no table")
    ids, row_count, ref_count = {}, 0, 0
    for header_line, header, body in found:
        if not header or header[-1].lower() != PROVED_BY:
            problems.add(document, header_line, "table without a last column '%s'" % PROVED_BY)
            continue
        for line, cells in body:
            row_count += 1
            if len(cells) != len(header):
                problems.add(document, line, "%d cells, the header has %d" % (len(cells), len(header)))
                continue
            row_id = cells[0]
            if not row_id:
                problems.add(document, line, "row without an id in its first cell")
            elif row_id in ids:
                problems.add(document, line, "id %s already used on line %d" % (row_id, ids[row_id]))
            else:
                ids[row_id] = line
            refs, errors = references(cells[-1])
            for error in errors:
                problems.add(document, line, error)
            if not refs:
                problems.add(document, line, "row %s names no test" % (row_id or "?"))
            for test_path, names in refs:
                if not os.path.isfile(os.path.join(repo, test_path)):
                    problems.add(document, line, "test file %s does not exist" % test_path)
                    continue
                python = test_path.endswith(".py")
                if not python and not built_by_cmake(repo, test_path):
                    problems.add(document, line, "%s is in no CMakeLists.txt" % test_path)
                for name in names:
                    ref_count += 1
                    problem = (pytest_problem if python else gtest_problem)(repo, test_path, name)
                    if problem:
                        problems.add(document, line, problem)
    readme = os.path.join(repo, README)
    if os.path.isfile(readme):
        with open(readme, encoding="utf-8") as f:
            if document not in f.read():
                problems.add(README, 0, "does not link to %s" % document)
    return row_count, ref_count


# --- paths outside the repository ---------------------------------------------------------------

def repository_files(repo):
    """Paths (relative, with /) of the files to scan: git's list, else a walk."""
    if os.path.exists(os.path.join(repo, ".git")):  # a directory, or a file in a worktree
        try:
            listed = subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
            return sorted({p for p in listed.decode("utf-8", "replace").split("\0") if p})
        except (OSError, subprocess.CalledProcessError):
            pass  # no git, or a repository git refuses (another owner): walk instead
    files = []
    for directory, subdirs, names in os.walk(repo):
        relative = os.path.relpath(directory, repo)
        relative = "" if relative == "." else relative.replace(os.sep, "/")
        subdirs[:] = sorted(d for d in subdirs if not (
            d == "__pycache__" or (not relative and (d.startswith("build") or d in (".git", "out", ".cache")))))
        files.extend(posixpath.join(relative, name) for name in sorted(names))
    return files


def forbidden_roots(repo):
    roots = {WORKSPACE_ROOT}
    own = os.path.realpath(repo)
    if own != "/":
        roots.add(own)
    return roots


def outside_references(relative, text, roots):
    """[(line, message)] of the paths in `text` (the file `relative`) that leave the repository."""
    found = []
    directory = posixpath.dirname(relative)
    for number, line in enumerate(text.splitlines(), start=1):
        for match in PATH_TOKEN.finditer(line):
            token = match.group()
            before = line[match.start() - 1] if match.start() > 0 else ""
            if token.startswith("/"):
                if before == ":" or token.startswith("//"):
                    continue  # a URL's authority, not a file
                for root in roots:
                    if token == root or token.startswith(root + "/"):
                        found.append((number, "absolute path %s is outside the repository" % token))
                        break
            elif PARENT_STEP in token and not (before and before in NOT_FILE_RELATIVE) \
                    and not token.startswith("~"):
                resolved = posixpath.normpath(posixpath.join(directory, token))
                if resolved == os.pardir or resolved.startswith(PARENT_STEP):
                    found.append((number, "relative path %s leaves the repository" % token))
    return found


def check_outside(repo, problems, files=None):
    """Scans the files; returns how many were read."""
    roots = forbidden_roots(repo)
    scanned = 0
    for relative in repository_files(repo) if files is None else files:
        path = os.path.join(repo, relative)
        if os.path.islink(path):
            target = os.readlink(path)
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(relative), target))
            if target.startswith("/") or resolved == os.pardir or resolved.startswith(PARENT_STEP):
                problems.add(relative, 0, "symbolic link to %s, outside the repository" % target)
            continue
        if not os.path.isfile(path):
            continue  # listed by git, deleted in the work tree
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data[:8192]:
            continue  # binary
        scanned += 1
        for line, message in outside_references(relative, data.decode("utf-8", "replace"), roots):
            problems.add(relative, line, message)
    return scanned


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       os.pardir, os.pardir),
                        help="the repository root (default: two directories above this file)")
    args = parser.parse_args(argv)
    repo = os.path.normpath(args.repo)
    problems = Problems()
    rows, refs = check_document(repo, problems)
    scanned = check_outside(repo, problems)
    for item in problems.items:
        print(item)
    if problems.items:
        print("%d problem(s)" % len(problems.items), file=sys.stderr)
        return 1
    print("%s: %d rows, %d test references, all found; %d files refer to nothing outside the "
          "repository" % (DOCUMENT, rows, refs, scanned))
    return 0


if __name__ == "__main__":
    sys.exit(main())
