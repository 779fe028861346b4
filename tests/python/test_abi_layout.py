"""The ctypes declarations of watcher_ds match the frozen v1.0 layout of the C ABI.

The layout's one source of truth is tests/abi/frozen_layout.def, which abi_layout.cpp also
compiles into static_asserts: a struct declared differently here, a field missing on either
side, or a struct the table does not freeze fails this test.
"""

import ctypes
import re

import pytest

from conftest import env_path
from watcher_ds import _abi, _native

_LINE = re.compile(r"^WDS_FROZEN_(STRUCT|FIELD)\((\w+),\s*(\w+)(?:,\s*(\w+))?\)\s*$")


def frozen_layout():
    structs, fields = {}, {}
    with open(env_path("WDS_FROZEN_LAYOUT")) as table:
        for line in table:
            match = _LINE.match(line.strip())
            if not match:
                continue
            kind, name, a, b = match.groups()
            if kind == "STRUCT":
                structs[name] = int(a)
            else:
                fields.setdefault(name, {})[a] = int(b)
    return structs, fields


STRUCTS, FIELDS = frozen_layout()


def test_the_table_was_read():
    assert len(STRUCTS) >= 16
    assert STRUCTS["wds_plugin_v1"] == 128


def test_every_declared_struct_is_frozen_and_every_frozen_struct_declared():
    assert sorted(_abi.C_NAMES) == sorted(STRUCTS)


@pytest.mark.parametrize("c_name", sorted(_abi.C_NAMES))
def test_size_and_field_offsets_match(c_name):
    declared = _abi.C_NAMES[c_name]
    assert ctypes.sizeof(declared) == STRUCTS[c_name], c_name
    offsets = {name: getattr(declared, name).offset for name, _ in declared._fields_}
    assert offsets == FIELDS[c_name], c_name


def test_loader_request_is_what_loader_h_declares():
    # Not a plugin struct, so not in the table; its layout follows loader.h (LP64).
    # v1.0 is the first 64 bytes (WDS_LOADER_REQUEST_V1_0_SIZE); v1.1 appends four fields
    # (96 bytes, WDS_LOADER_REQUEST_V1_1_SIZE), v1.2 two more.
    request = _native.LoaderRequest
    assert request.log.offset == 48 and request.host_ctx.offset == 56
    assert request.config_files.offset == 64 and request.config_file_count.offset == 72
    assert request.config_dirs.offset == 80 and request.config_dir_count.offset == 88
    assert request.defaults.offset == 96 and request.default_count.offset == 104
    assert ctypes.sizeof(request) == 112
