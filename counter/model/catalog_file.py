"""Reading a catalog file (TOML) strictly, naming the line and field of every mistake.

The supervisor edits these files by hand or receives them from the city; a typo must be
reported where it is, and a half-read catalog must never reach the store.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from counter.model.catalog import (
    Bundle,
    Catalog,
    Department,
    Item,
    ItemMaterial,
    ItemSource,
    ItemStatus,
    Material,
    MaterialForm,
)
from counter.model.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")

_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # table: (required keys, optional keys)
    "meta": ({"version"}, {"demo", "note"}),
    "departments": ({"code", "name"}, set()),
    "materials": ({"id", "name"}, {"shared_source", "note"}),
    "items": (
        {"code", "name", "department", "source", "legal_days", "promised_days", "materials"},
        {"fee", "status"},
    ),
    "item_material": ({"ref", "form", "copies", "required"}, {"condition", "rongque"}),
    "bundles": (
        {"code", "name", "items", "promised_days"},
        {"fee", "description", "stages", "applicant"},
    ),
}


class CatalogFileError(ValidationError):
    """A catalog file that cannot be used, with the line and field to fix."""

    def __init__(self, line: int | None, where: str, message: str) -> None:
        prefix = f"目录文件第 {line} 行" if line else "目录文件"
        super().__init__(where, f"{prefix}，{where}：{message}")
        self.line = line
        self.where = where


class _Lines:
    """Line numbers of each ``[[table]]`` header, so semantic errors can point at a line."""

    def __init__(self, text: str) -> None:
        self.headers: dict[str, list[int]] = {}
        self.tables: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            match = re.match(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]", line)
            if match:
                self.headers.setdefault(match.group(1), []).append(number)
                continue
            match = re.match(r"^\s*\[\s*([A-Za-z_]+)\s*\]", line)
            if match:
                self.tables[match.group(1)] = number

    def of(self, table: str, index: int | None = None) -> int | None:
        if index is None:
            return self.tables.get(table)
        found = self.headers.get(table, [])
        return found[index] if index < len(found) else None


def parse_catalog(text: str) -> Catalog:
    """Parse and check a whole catalog file; raise :class:`CatalogFileError` on the first fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        if line is None:
            match = re.search(r"line (\d+)", str(exc))
            line = int(match.group(1)) if match else None
        raise CatalogFileError(line, "格式", f"不是有效的 TOML（{exc}）") from None
    return _Reader(data, _Lines(text)).catalog()


class _Reader:
    def __init__(self, data: Mapping[str, Any], lines: _Lines) -> None:
        self.data = data
        self.lines = lines

    def fail(self, table: str, index: int | None, field: str, message: str) -> CatalogFileError:
        where = f"[{table}]" if index is None else f"[[{table}]] 第 {index + 1} 项"
        return CatalogFileError(self.lines.of(table, index), f"{where} 字段 {field}", message)

    def keys(self, table: str, index: int | None, row: Any, kind: str | None = None) -> None:
        if not isinstance(row, dict):
            raise self.fail(table, index, "(整项)", "应为一个表")
        required, optional = _KEYS[kind or table]
        for key in sorted(row.keys() - required - optional):
            raise self.fail(table, index, key, "未知字段（拼写错误？）")
        for key in sorted(required - row.keys()):
            raise self.fail(table, index, key, "缺少此字段")

    def text(self, table: str, index: int | None, row: Mapping[str, Any], key: str) -> str:
        value = row.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(table, index, key, "应为非空文字")
        return value.strip()

    def code(self, table: str, index: int, row: Mapping[str, Any], key: str) -> str:
        value = self.text(table, index, row, key)
        if not _CODE.match(value):
            raise self.fail(table, index, key, f"编码“{value}”只能含大写字母、数字和“-”")
        return value

    def number(self, table: str, index: int, row: Mapping[str, Any], key: str) -> float:
        value = row.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(table, index, key, "应为数字")
        return float(value)

    def catalog(self) -> Catalog:
        unknown = set(self.data) - {"meta", "departments", "materials", "items", "bundles"}
        if unknown:
            name = sorted(unknown)[0]
            raise CatalogFileError(self.lines.of(name), name, "未知的表（拼写错误？）")
        meta = self.data.get("meta")
        if meta is None:
            raise CatalogFileError(None, "[meta]", "缺少 [meta] 表（目录版本）")
        self.keys("meta", None, meta)
        version = self.text("meta", None, meta, "version")
        departments = self.departments()
        materials = self.materials()
        items = self.items({d.code for d in departments}, materials)
        bundles = self.bundles({i.code: i for i in items})
        return Catalog(
            version=version,
            departments=departments,
            materials=tuple(materials.values()),
            items=items,
            bundles=bundles,
            demo=bool(meta.get("demo", False)),
        )

    def rows(self, table: str) -> list[Any]:
        rows = self.data.get(table, [])
        if not isinstance(rows, list):
            raise CatalogFileError(self.lines.of(table), table, "应写作 [[...]] 的表数组")
        return rows

    def departments(self) -> tuple[Department, ...]:
        found: dict[str, Department] = {}
        for n, row in enumerate(self.rows("departments")):
            self.keys("departments", n, row)
            code = self.code("departments", n, row, "code")
            if code in found:
                raise self.fail("departments", n, "code", f"部门编码 {code} 重复")
            found[code] = Department(code, self.text("departments", n, row, "name"))
        if not found:
            raise CatalogFileError(None, "[[departments]]", "目录中没有任何部门")
        return tuple(found.values())

    def materials(self) -> dict[str, Material]:
        found: dict[str, Material] = {}
        for n, row in enumerate(self.rows("materials")):
            self.keys("materials", n, row)
            mid = self.code("materials", n, row, "id")
            if mid in found:
                raise self.fail("materials", n, "id", f"材料编号 {mid} 重复")
            source = row.get("shared_source")
            if source is not None and (not isinstance(source, str) or not source.strip()):
                raise self.fail("materials", n, "shared_source", "共享来源应为非空文字")
            found[mid] = Material(
                id=mid,
                name=self.text("materials", n, row, "name"),
                shared_source=source.strip() if source else None,
                note=str(row.get("note", "")),
            )
        return found

    def items(self, departments: set[str], materials: dict[str, Material]) -> tuple[Item, ...]:
        found: dict[str, Item] = {}
        for n, row in enumerate(self.rows("items")):
            self.keys("items", n, row)
            code = self.code("items", n, row, "code")
            if code in found:
                raise self.fail("items", n, "code", f"事项编码 {code} 重复")
            department = self.text("items", n, row, "department")
            if department not in departments:
                raise self.fail("items", n, "department", f"没有编码为 {department} 的部门")
            source = self.choice("items", n, row, "source", ItemSource)
            status = self.choice("items", n, row, "status", ItemStatus, ItemStatus.ACTIVE)
            needs = self.item_materials(n, row.get("materials"), materials)
            try:
                found[code] = Item(
                    code=code,
                    name=self.text("items", n, row, "name"),
                    department=department,
                    source=source,
                    legal_days=self.number("items", n, row, "legal_days"),
                    promised_days=self.number("items", n, row, "promised_days"),
                    fee=self.number("items", n, row, "fee"),
                    status=status,
                    materials=needs,
                )
            except ValidationError as exc:
                raise self.fail("items", n, exc.field, exc.message) from None
        if not found:
            raise CatalogFileError(None, "[[items]]", "目录中没有任何事项")
        return tuple(found.values())

    def choice(
        self,
        table: str,
        index: int,
        row: Mapping[str, Any],
        key: str,
        enum: type[E],
        default: E | None = None,
    ) -> E:
        if key not in row and default is not None:
            return default
        value = row.get(key)
        try:
            return enum(str(value))
        except ValueError:
            allowed = " / ".join(e.value for e in enum)
            raise self.fail(table, index, key, f"“{value}”不是可选值（{allowed}）") from None

    def item_materials(
        self, n: int, rows: Any, materials: dict[str, Material]
    ) -> tuple[ItemMaterial, ...]:
        if not isinstance(rows, list) or not rows:
            raise self.fail("items", n, "materials", "应列出至少一项材料")
        needs = []
        for m, row in enumerate(rows):
            label = f"materials[{m + 1}]"
            if not isinstance(row, dict):
                raise self.fail("items", n, label, "应为 { ref = ..., form = ... } 形式")
            required, optional = _KEYS["item_material"]
            for key in sorted(row.keys() - required - optional):
                raise self.fail("items", n, f"{label}.{key}", "未知字段（拼写错误？）")
            for key in sorted(required - row.keys()):
                raise self.fail("items", n, f"{label}.{key}", "缺少此字段")
            ref = row["ref"]
            if ref not in materials:
                raise self.fail("items", n, f"{label}.ref", f"材料字典中没有 {ref}")
            try:
                form = MaterialForm(row["form"])
            except ValueError:
                allowed = " / ".join(f.value for f in MaterialForm)
                raise self.fail(
                    "items", n, f"{label}.form", f"“{row['form']}”不是可选值（{allowed}）"
                ) from None
            copies = row["copies"]
            if isinstance(copies, bool) or not isinstance(copies, int):
                raise self.fail("items", n, f"{label}.copies", "份数应为整数")
            for flag in ("required", "rongque"):
                if flag in row and not isinstance(row[flag], bool):
                    raise self.fail("items", n, f"{label}.{flag}", "应为 true 或 false")
            try:
                needs.append(
                    ItemMaterial(
                        material=materials[ref],
                        form=form,
                        copies=copies,
                        required=row["required"],
                        condition=str(row.get("condition", "")),
                        rongque=bool(row.get("rongque", False)),
                    )
                )
            except ValidationError as exc:
                raise self.fail("items", n, f"{label}.{exc.field}", exc.message) from None
        return tuple(needs)

    def bundles(self, items: dict[str, Item]) -> tuple[Bundle, ...]:
        found: dict[str, Bundle] = {}
        for n, row in enumerate(self.rows("bundles")):
            self.keys("bundles", n, row)
            code = self.code("bundles", n, row, "code")
            if code in found or code in items:
                raise self.fail("bundles", n, "code", f"编码 {code} 重复")
            codes = row["items"]
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise self.fail("bundles", n, "items", "应为事项编码的列表")
            for item_code in codes:
                if item_code not in items:
                    raise self.fail("bundles", n, "items", f"没有编码为 {item_code} 的事项")
                if not items[item_code].active:
                    raise self.fail("bundles", n, "items", f"事项 {item_code} 已取消，不能组合")
            stages = row.get("stages", [])
            if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
                raise self.fail("bundles", n, "stages", "应为阶段名称的列表")
            try:
                found[code] = Bundle(
                    code=code,
                    name=self.text("bundles", n, row, "name"),
                    item_codes=tuple(codes),
                    promised_days=self.number("bundles", n, row, "promised_days"),
                    fee=self.number("bundles", n, row, "fee"),
                    description=str(row.get("description", "")),
                    stages=tuple(stages),
                    applicant=str(row.get("applicant", "企业")),
                )
            except ValidationError as exc:
                raise self.fail("bundles", n, exc.field, exc.message) from None
        return tuple(found.values())
