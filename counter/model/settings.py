"""Every setting declared once: name, type, default, Chinese label and description.

The settings file, the environment overrides, the settings dialog and the docs are all
generated from :data:`SETTINGS`, so a setting cannot exist in one place and not another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from counter.model.case_numbers import CaseNumberPattern
from counter.model.deadlines import check_yellow_share
from counter.model.enrolment import central_url_problem
from counter.model.errors import ValidationError
from counter.model.links import QUEUE_VIEW_URL, RATING_URL
from counter.model.print_target import EXAMPLES as PRINTER_EXAMPLES
from counter.model.print_target import check_target
from counter.model.workdays import WorkingHours


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("应为文字")
    return value.strip()


def _nonempty(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError("不能为空")
    return text


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on", "是"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off", "否"}:
        return False
    raise ValueError("应为 是/否（true/false）")


def _window(value: Any) -> str:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 999:
        raise ValueError("窗口号应为 1–999 的数字")
    return str(int(text))


def _hours(value: Any) -> str:
    WorkingHours.parse(_text(value))
    return _text(value)


def _url(value: Any) -> str:
    text = _text(value)
    problem = central_url_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _sync_seconds(value: Any) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 3600:
        raise ValueError("应为 1–3600 的整数（秒）")
    return int(text)


def _case_number_pattern(value: Any) -> str:
    return CaseNumberPattern.parse(_text(value)).text


def _share(value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError("应为 0 到 1 之间的小数，例如 0.25") from None
    return check_yellow_share(number)


def _positive(value: Any) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError("应为 1–99 的整数")
    return int(text)


def _whole(unit: str) -> Callable[[Any], int]:
    """A follow-up period, 1–99 whole ``unit``s: 0.5 is refused with a reason, never cut
    down to a whole number (the periods are counted in whole days and months)."""

    def check(value: Any) -> int:
        text = str(value).strip()
        if not isinstance(value, bool) and text.isdecimal() and 1 <= int(text) <= 99:
            return int(text)
        if re.fullmatch(r"[0-9]*[.．][0-9]+", text):
            raise ValueError(f"应为整数{unit}，不能填“{text}”这样的半天或小数（请填 1–99 的整数）")
        raise ValueError(f"应为 1–99 的整数{unit}")

    return check


def _count(value: Any) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) > 99:
        raise ValueError("应为 0–99 的整数")
    return int(text)


def _reasons(value: Any) -> str:
    parts = [p.strip() for p in _text(value).replace("，", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("至少填写一个绿色通道原因")
    return ",".join(parts)


def _category_codes(value: Any) -> str:
    """Queue category codes (letters), comma-separated; empty for none."""
    codes: list[str] = []
    for part in _text(value).replace("，", ",").split(","):
        code = part.strip().upper()
        if not code:
            continue
        if len(code) != 1 or not "A" <= code <= "Z":
            raise ValueError(f"“{code}”不是业务类别代码：应为一个英文字母，多个用逗号分隔，如 B,C")
        if code not in codes:
            codes.append(code)
    return ",".join(codes)


def _screen(value: Any) -> str:
    """Which screen: a number (0 the primary, 1 the second…) or the screen's name."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError("应为屏幕序号（0 为主屏幕，1 为第二块屏幕……）或屏幕名称")
    if not text:
        raise ValueError("不能为空：填 0 为主屏幕，1 为第二块屏幕……，或填屏幕名称")
    if text.lstrip("+-").isdecimal():
        if not text.isdecimal() or int(text) > 9:
            raise ValueError("屏幕序号应为 0–9：0 为主屏幕，1 为第二块屏幕……")
        return str(int(text))
    if len(text) > 64 or not text.isprintable():
        raise ValueError("屏幕名称应为一行、不超过 64 个字符，例如 HDMI-1")
    return text


def _recent(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdecimal() or not 1 <= int(text) <= 10:
        raise ValueError("应为 1–10 的整数")
    return int(text)


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _text(value)
        if text not in allowed:
            raise ValueError(f"应为以下之一：{' / '.join(allowed)}")
        return text

    return check


#: The locales Qt ships its own dialogs' translations for that a hall may want.
UI_LOCALES = ("zh_CN", "zh_TW", "en_US")


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    description: str
    default: Any
    parse: Callable[[Any], Any] = field(repr=False)
    kind: str = "text"  # how the dialog edits it: text, bool, choice
    choices: tuple[str, ...] = ()

    @property
    def env_var(self) -> str:
        return f"COUNTER_{self.key.upper()}"

    def check(self, value: Any) -> Any:
        """Parse one value, or raise ValidationError naming this setting in Chinese."""
        try:
            return self.parse(value)
        except (ValueError, ValidationError) as exc:
            message = exc.message if isinstance(exc, ValidationError) else str(exc)
            raise ValidationError(self.key, f"“{self.label}”设置无效：{message}") from None


#: The log file's levels a station may choose (Python's names).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING")

SETTINGS: tuple[Setting, ...] = (
    Setting("hall_name", "大厅名称", "印在小票、通知书上和叫号屏上的政务服务大厅名称。",
            "示范市政务服务中心", _nonempty),
    Setting("window_number", "本机窗口号", "本机默认的窗口号，登录时可以改。", "1", _window),
    Setting("working_hours", "工作时间", "用于半天时限的计算，格式 09:00-12:00,13:30-17:30。",
            "09:00-12:00,13:30-17:30", _hours),
    Setting("holiday_source", "节假日表来源",
            "chinesecalendar：随程序提供的国务院安排；file：只用值班长导入或编辑的表。",
            "chinesecalendar", _choice("chinesecalendar", "file"), "choice",
            ("chinesecalendar", "file")),
    Setting("mask_id", "屏幕和单据隐藏证件号", "默认只显示身份证号前 6 位和后 4 位。",
            True, _boolean, "bool"),
    Setting("mask_phone", "屏幕和单据隐藏手机号", "默认显示为 138****5678。",
            True, _boolean, "bool"),
    Setting("lock_minutes", "无操作自动锁屏（分钟）",
            "这么多分钟无键盘鼠标操作即锁屏，须重新输入密码；0 表示不锁屏。", 5, _count),
    Setting("ui_locale", "系统对话框语言",
            "文件选择、日历等系统对话框和日期的语言：zh_CN 简体中文，zh_TW 繁体中文，"
            "en_US 英文；本系统自己的文字总是简体中文。重新启动后生效。",
            "zh_CN", _choice(*UI_LOCALES), "choice", UI_LOCALES),
    Setting("log_level", "日志详细程度",
            "写入日志文件的最低级别：INFO 日常，DEBUG 排查问题时（文件增长快），WARNING 只记问题。"
            "重新启动后生效。",
            "INFO", _choice(*LOG_LEVELS), "choice", LOG_LEVELS),
    Setting("log_max_mb", "日志文件大小（MB）",
            "每个日志文件写到这么大后轮换，保留最近 5 个旧文件；日志总量约为它的 6 倍。"
            "重新启动后生效。",
            2, _positive),
    Setting("data_dir", "数据文件夹", "本机数据库所在文件夹；留空使用系统默认位置。",
            "", _text),
    Setting("central_url", "中心地址", "数据同步中心的地址；留空表示单机使用。", "", _url),
    Setting("sync_interval", "同步间隔（秒）",
            "联网时每隔这么多秒与中心同步一次；本机有新数据时会立即同步。", 5, _sync_seconds),
    Setting("ticket_printer", "小票打印机",
            "打印排队小票和回执的打印机；留空则输出 PDF 文件。写法：" + PRINTER_EXAMPLES,
            "", check_target),
    Setting("ticket_paper", "小票纸宽", "小票打印机的纸卷宽度（毫米）。", "80",
            _choice("80", "58"), "choice", ("80", "58")),
    Setting("document_printer", "文书打印机",
            "打印通知书、领取确认单、刻章凭证和邮寄单的打印机；留空则输出 PDF 文件。写法："
            + PRINTER_EXAMPLES, "", check_target),
    Setting("print_retention_days", "打印文件保留天数",
            "已打印或已取消的单据，打印文件在本机保留这么多天后清理（单据的打印记录永久保留）；"
            "之后重印时按原单据内容重新生成。0 表示打印后即清理。取号机小票的打印文件打印后即清理，"
            "其打印任务记录也在这么多天后删除（叫号记录和审计日志仍保留）。",
            7, _count),
    Setting("giftpack_file", "大礼包清单文件",
            "企业开办大礼包的物品清单（TOML，[[item]] name/quantity/unit）；留空使用默认清单。",
            "", _text),
    Setting("case_number_pattern", "办件编号规则",
            "占位符：{yyyy}{yy}{mm}{dd} 日期，{window} 窗口号，{device} 本机代码，{seq} 流水号；"
            "须含 {seq} 以及 {device} 或 {window}，离线时编号才不重复。",
            "{yyyy}{mm}{dd}-{window}{device}-{seq}", _case_number_pattern),
    Setting("light_yellow_share", "黄灯提醒比例",
            "剩余时间不超过总时限的这一比例时亮黄灯，例如 0.25 表示最后四分之一。",
            0.25, _share),
    Setting("hall_phone", "大厅咨询电话", "印在受理通知书等文书上的咨询电话。", "", _text),
    Setting("queue_interleave", "叫号插叫比例",
            "连续叫了这么多个绿色通道或预约号后，插叫一个普通号，普通号不会一直等；0 表示不插叫。",
            3, _count),
    Setting("queue_priority_reasons", "绿色通道类别",
            "取号机上可选的绿色通道原因，用逗号分隔。", "老年人,残疾人,军人,孕妇或携带婴幼儿",
            _reasons),
    Setting("queue_one_per_person", "每人每类业务限一张等候号",
            "凭身份证取号或预约签到时，同一人同一类业务只能有一张等候中的号。", True, _boolean,
            "bool"),
    Setting("queue_id_required", "须凭身份证取号的业务类别",
            "填业务类别代码，用逗号分隔，例如 B,C：这些类别在取号机上须刷身份证或"
            "输入身份证号码才能取号（每人每类业务限一张等候号）；留空则都不需要。", "",
            _category_codes),
    Setting("queue_reset_daily", "排队号每日重置", "每天从 001 重新编号。", True, _boolean,
            "bool"),
    Setting("queue_requeue_behind", "过号重排位置",
            "过号后本人到场重新排队时，排在当时等候的第几位之后。", 3, _count),
    Setting("board_screen", "叫号屏显示在哪块屏幕",
            "叫号屏模式（--board）全屏显示的屏幕：0 为主屏幕，1 为第二块屏幕，依此类推；"
            "也可填屏幕名称（如 HDMI-1，见日志）。本机没有这块屏幕时显示在主屏幕上，并记入日志。",
            "1", _screen),
    Setting("board_recent", "叫号屏显示最近叫号数",
            "叫号屏显示最近叫过的这么多个号：最新的一个大字显示，其余连同窗口号从新到旧列出，"
            "方便没听清的人找到自己的号。", 6, _recent),
    Setting("rating_default_days", "未评价默认好评天数",
            "服务结束后这么多天内没有评价的，按“基本满意”计。", 7, _positive),
    Setting("rating_url", "扫码评价地址",
            "印在出件回执上的评价二维码地址：默认是中心的评价页，{central} 处填入本机的"
            "中心地址（设置“中心地址”），{token} 处填入该办件不可猜测的评价码；中心地址"
            "手机上网打不开时，请填中心对外的地址，如 https://hcp.example.gov.cn/rate/{token}。"
            "也可填本地区好差评系统的地址，{number} 处填入办件编号。留空则不印二维码。",
            RATING_URL, _text),
    Setting("queue_view_url", "扫码看排队地址",
            "印在取号小票上的二维码地址，手机扫码看排到第几、约等多久：默认是中心的排队页，"
            "{central} 处填入取号机的中心地址，{token} 处填入这张号不可猜测的查看码；中心地址"
            "手机上网打不开时，请填中心对外的地址，如 https://hcp.example.gov.cn/queue/{token}。"
            "留空则不印二维码。",
            QUEUE_VIEW_URL, _text),
    Setting("followup_callback_days", "差评回访时限（工作日）",
            "差评后多少个工作日内回访评价人。", 1, _whole("个工作日")),
    Setting("followup_fix_days", "差评整改时限（工作日）",
            "差评后多少个工作日内整改到位。", 15, _whole("个工作日")),
    Setting("enterprise_response_days", "涉企诉求答复时限（天）",
            "涉企诉求登记后多少天内答复。", 7, _whole("天")),
    Setting("enterprise_resolution_months", "涉企诉求办结时限（月）",
            "涉企诉求登记后多少个月内办结。", 2, _whole("个月")),
    Setting("register_days", "办不成事办理时限（工作日）",
            "办不成事和接待日问题默认在多少个工作日内办结，登记时可以改。", 5,
            _whole("个工作日")),
)  # fmt: skip

_BY_KEY = {s.key: s for s in SETTINGS}


def setting(key: str) -> Setting:
    return _BY_KEY[key]


class Settings(Mapping[str, Any]):
    """A checked, complete set of values: defaults filled in, unknown keys refused."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        values = dict(values or {})
        unknown = sorted(set(values) - _BY_KEY.keys())
        if unknown:
            raise ValidationError(unknown[0], f"未知的设置项“{unknown[0]}”")
        self._values = {s.key: s.check(values.get(s.key, s.default)) for s in SETTINGS}

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def changed(self, **updates: Any) -> Settings:
        return Settings({**self._values, **updates})

    @property
    def working_hours(self) -> WorkingHours:
        return WorkingHours.parse(self["working_hours"])

    def non_defaults(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if v != setting(k).default}
