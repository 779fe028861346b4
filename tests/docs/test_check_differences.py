#!/usr/bin/python3
"""The checker of docs/DIFFERENCES.md on small repositories made in a temporary directory: a
good page passes, and each way a page or a file can go wrong is reported. Paths outside the
repository are built at run time (os.pardir, check_differences.WORKSPACE_ROOT), so this file
does not contain what the checker looks for."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_differences as checker  # noqa: E402

UP = os.pardir + "/"

GTEST_SOURCE = """\
#include <gtest/gtest.h>
TEST(Plain, Works) {}
TEST_F(Fixture, Works) {}
class Param : public testing::TestWithParam<int> {};
TEST_P(Param, Works) {}
INSTANTIATE_TEST_SUITE_P(Values, Param, testing::Values(1, 2));
TEST_P(Lonely, NeverRuns) {}
TEST(Plain, DISABLED_Skipped) {}
// TEST(Commented, Out) {}
/* TEST(Block, Out) {} */
const char* text = "// not a comment"; TEST(AfterAString, Works) {}
const char* raw = R"(/* not a comment either)"; TEST(AfterARawString, Works) {}
"""

PYTEST_SOURCE = """\
def test_module_level():
    def test_nested():
        pass

async def test_async():
    pass

class TestGroup:
    def test_method(self):
        pass

class Helper:
    def test_not_collected(self):
        pass
"""

HEADER = "| # | what | proved by |\n|---|---|---|\n"
GOOD_ROW = "| D1 | a difference | `tests/unit/test_a.cpp` `Plain.Works`, `Param.Works`; `tests/python/test_b.py` `test_module_level` |\n"


class Repository:
    """A repository in a temporary directory: a README that links the page, one GoogleTest file
    built by a CMakeLists.txt, one pytest file."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="wds-check-differences-")
        self.write("README.md", "See [the differences](docs/DIFFERENCES.md).\n")
        self.write("tests/unit/CMakeLists.txt", "add_executable(unit test_a.cpp)\n")
        self.write("tests/unit/test_a.cpp", GTEST_SOURCE)
        self.write("tests/python/test_b.py", PYTEST_SOURCE)

    def write(self, relative, text):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def page(self, rows, header=HEADER):
        self.write(checker.DOCUMENT, "# Differences\n\n" + header + "".join(rows))

    def document_problems(self):
        problems = checker.Problems()
        checker.check_document(self.root, problems)
        return problems.items

    def outside_problems(self):
        problems = checker.Problems()
        checker.check_outside(self.root, problems)
        return problems.items

    def remove(self):
        shutil.rmtree(self.root)


class DocumentTest(unittest.TestCase):
    def setUp(self):
        self.repo = Repository()
        self.addCleanup(self.repo.remove)

    def assertOneProblem(self, row, *fragments):
        self.repo.page([GOOD_ROW, row])
        problems = self.repo.document_problems()
        self.assertEqual(len(problems), 1, problems)
        self.assertIn(":6:", problems[0])  # the line of the second row
        for fragment in fragments:
            self.assertIn(fragment, problems[0])

    def test_a_good_page_passes(self):
        self.repo.page([GOOD_ROW, "| D2 | more | `tests/unit/test_a.cpp` `Fixture.Works`, "
                        "`AfterAString.Works`, `AfterARawString.Works`; `tests/python/test_b.py` "
                        "`test_async`, `TestGroup.test_method` |\n"])
        self.assertEqual(self.repo.document_problems(), [])

    def test_a_missing_gtest_fails(self):
        self.assertOneProblem("| D2 | x | `tests/unit/test_a.cpp` `Plain.Gone` |\n",
                              "no TEST, TEST_F or TEST_P (Plain, Gone)")

    def test_a_missing_pytest_fails(self):
        self.assertOneProblem("| D2 | x | `tests/python/test_b.py` `test_gone` |\n",
                              "no module-level def test_gone(")

    def test_a_missing_file_fails(self):
        self.assertOneProblem("| D2 | x | `tests/unit/test_gone.cpp` `Plain.Works` |\n",
                              "tests/unit/test_gone.cpp does not exist")

    def test_a_row_without_a_test_fails(self):
        self.assertOneProblem("| D2 | x | trust me |\n", "row D2 names no test")

    def test_a_file_without_a_name_fails(self):
        self.assertOneProblem("| D2 | x | `tests/unit/test_a.cpp` |\n", "names no test")

    def test_a_name_before_its_file_fails(self):
        self.assertOneProblem("| D2 | x | `Plain.Works` `tests/unit/test_a.cpp` `Plain.Works` |\n",
                              "before any test file")

    def test_commented_out_tests_do_not_count(self):
        self.assertOneProblem("| D2 | x | `tests/unit/test_a.cpp` `Commented.Out` |\n", "Commented")
        self.assertOneProblem("| D2 | x | `tests/unit/test_a.cpp` `Block.Out` |\n", "Block")

    def test_a_test_p_needs_its_instantiation(self):
        self.assertOneProblem("| D2 | x | `tests/unit/test_a.cpp` `Lonely.NeverRuns` |\n",
                              "never instantiated")

    def test_disabled_tests_do_not_count(self):
        self.assertOneProblem("| D2 | x | `tests/unit/test_a.cpp` `Plain.DISABLED_Skipped` |\n",
                              "disabled")

    def test_only_tests_pytest_collects_count(self):
        self.assertOneProblem("| D2 | x | `tests/python/test_b.py` `test_nested` |\n", "test_nested")
        self.assertOneProblem("| D2 | x | `tests/python/test_b.py` `Helper.test_not_collected` |\n",
                              "not collected")

    def test_a_source_no_cmakelists_builds_fails(self):
        self.repo.write("tests/unit/test_c.cpp", "TEST(Plain, Works) {}\n")
        self.assertOneProblem("| D2 | x | `tests/unit/test_c.cpp` `Plain.Works` |\n",
                              "is in no CMakeLists.txt")

    def test_ids_are_unique(self):
        self.assertOneProblem(GOOD_ROW, "id D1 already used")

    def test_every_table_needs_the_proved_by_column(self):
        self.repo.page([GOOD_ROW + "\n| # | what |\n|---|---|\n| X | untested |\n"])
        problems = self.repo.document_problems()
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("without a last column 'proved by'", problems[0])

    def test_pipes_inside_code_do_not_split_cells(self):
        self.repo.page(["| D1 | `a|b` | `tests/unit/test_a.cpp` `Plain.Works` |\n"])
        self.assertEqual(self.repo.document_problems(), [])

    def test_the_readme_must_link_the_page(self):
        self.repo.page([GOOD_ROW])
        self.repo.write("README.md", "No link.\n")
        problems = self.repo.document_problems()
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("README.md:0: does not link", problems[0])

    def test_a_missing_page_fails(self):
        problems = self.repo.document_problems()
        self.assertEqual(problems, ["docs/DIFFERENCES.md:0: missing"])


class OutsideTest(unittest.TestCase):
    def setUp(self):
        self.repo = Repository()
        self.addCleanup(self.repo.remove)
        self.repo.page([GOOD_ROW])

    def test_a_clean_repository_passes(self):
        self.repo.write("docs/OTHER.md", "Back to [the README](%sREADME.md); see /usr/lib/x and "
                        "https://example.org/a/%sb.\n" % (UP, UP))
        self.repo.write("tests/unit/CMakeLists.txt", "set(d ${CMAKE_CURRENT_BINARY_DIR}/%sx)\n"
                        "cd \"$(dirname \"$0\")/%s..\"\n" % (UP, UP))
        self.assertEqual(self.repo.outside_problems(), [])

    def test_a_relative_path_above_the_root_fails(self):
        self.repo.write("README.md", "line one\nSee `%sshared/reference/X.md`.\n" % UP)
        self.repo.write("docs/DEEP.md", "[x](%s%sother/file)\n" % (UP, UP))
        self.repo.write("docs/INSIDE.md", "docs/%s%s%sescape\n" % (UP, UP, UP))
        problems = self.repo.outside_problems()
        self.assertEqual(len(problems), 3, problems)
        self.assertTrue(problems[0].startswith("README.md:2: relative path"), problems)
        self.assertTrue(problems[1].startswith("docs/DEEP.md:1:"), problems)
        self.assertTrue(problems[2].startswith("docs/INSIDE.md:1:"), problems)

    def test_an_absolute_workspace_path_fails(self):
        self.repo.write("scripts/run", "cat %s/shared/notes.md\n" % checker.WORKSPACE_ROOT)
        self.repo.write("scripts/own", "cd %s/tests\n" % os.path.realpath(self.repo.root))
        problems = self.repo.outside_problems()
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(all("absolute path" in p for p in problems), problems)

    def test_a_symbolic_link_out_fails(self):
        os.symlink(UP + "elsewhere", os.path.join(self.repo.root, "link"))
        problems = self.repo.outside_problems()
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("symbolic link", problems[0])

    def test_build_directories_are_not_scanned_without_git(self):
        self.repo.write("build-x/generated.txt", "%sshared\n" % UP)
        self.repo.write("out/log.txt", "%sshared\n" % UP)
        self.assertEqual(self.repo.outside_problems(), [])

    def test_with_git_ignored_files_are_not_scanned_and_untracked_ones_are(self):
        subprocess.run(["git", "init", "-q", self.repo.root], check=True)
        self.repo.write(".gitignore", "/ignored/\n")
        self.repo.write("ignored/log.txt", "%sshared\n" % UP)
        self.repo.write("new.md", "%sshared\n" % UP)
        problems = self.repo.outside_problems()
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith("new.md:1:"), problems)

    def test_the_main_entry_fails_on_a_problem_and_passes_without(self):
        self.assertEqual(checker.main(["--repo", self.repo.root]), 0)
        self.repo.write("README.md", "[the differences](docs/DIFFERENCES.md), %sshared\n" % UP)
        self.assertEqual(checker.main(["--repo", self.repo.root]), 1)


if __name__ == "__main__":
    unittest.main()
