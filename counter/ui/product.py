"""The product as the hall sees it: its name in every window title, its version in 关于,
and Qt's own dialogs (file pickers, calendars, message boxes) in the hall's language."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QMessageBox, QWidget

#: The name on the hall's screens; "Counter" stays the package's and the data folder's.
PRODUCT_NAME = "综合窗口受理系统"

#: Qt ships its own translations as qtbase_<locale>.qm (PySide6 has zh_CN and zh_TW).
QT_CATALOGUES = ("qtbase",)


def window_title(*parts: str) -> str:
    """A window title: what the window is (the hall, ``取号机``), then the product name.

    The name comes last as the platform puts it: with it as the application's display
    name (counter.ui.application), Windows and X11 add " — 综合窗口受理系统" to every other
    title (设置, 值班长确认, a file picker) and leave these alone."""
    return " — ".join((*(p for p in parts if p), PRODUCT_NAME))


def product_version() -> str:
    """The installed package's version ("0.1.0"), or 开发版 when run from an uninstalled tree."""
    try:
        return version("counter")
    except PackageNotFoundError:
        return "开发版"


def use_locale(app: QCoreApplication, name: str = "zh_CN") -> list[QTranslator]:
    """Make ``name`` (the ``ui_locale`` setting) the application's locale: dates, month
    and day names in QCalendarWidget and QDateEdit, and Qt's own dialog texts ("Look in:"
    becomes 查找范围) from Qt's translations, whatever the machine's locale. Returns the
    translators installed (none for a language Qt has no translation of)."""
    locale = QLocale(name)
    QLocale.setDefault(locale)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed = []
    for catalogue in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(locale, catalogue, "_", folder):
            app.installTranslator(translator)
            installed.append(translator)
    return installed


def about_box(parent: QWidget | None = None) -> QMessageBox:
    """帮助 → 关于: the product, its version and what it does."""
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(box.tr("关于 {}").format(PRODUCT_NAME))
    box.setText(f"<h3>{PRODUCT_NAME}</h3><p>{box.tr('版本 {}').format(product_version())}</p>")
    box.setInformativeText(
        box.tr("政务服务大厅综合窗口：排队叫号、受理、材料清单、打印、好差评、离线同步。")
    )
    box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 22em; }")  # not in a column
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText(box.tr("确定"))
    return box
