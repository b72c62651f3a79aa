"""The Qt desktop: widgets, pages, item models. Only this package imports PySide6."""
