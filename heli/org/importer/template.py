"""The downloadable template of the registry import: the 说明 sheet, then one per kind of row."""

from __future__ import annotations

from django.conf import settings

from heli.lib import sheets
from heli.lib.dates import current_year
from heli.org.importer.specs import SHEET_HELP, SPECS


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def template_instructions(year: int | None = None) -> list[str]:
    """The paragraphs of the 说明 sheet (the workbook format is Chinese)."""
    year = year or current_year()
    return [
        "本模板用于向“合力”平台批量导入分组、单位和人员，共三张数据表：分组、单位、人员。"
        "可以只填写其中一张或几张；不需要的表保留列名行即可，也可以删除，但整个文件至少要有一行数据。",
        "每张数据表的第 1 行是列名，请不要修改；深红底色的列为必填。把鼠标停在列名上可看到该列的填写说明。"
        f"第 2 行是示例（第一格以“{sheets.EXAMPLE_MARK}”开头），导入时自动跳过；请从第 3 行起填写。",
        "导入“要么全部成功，要么什么都不做”：只要有一处错误，系统不保存任何数据，并列出每个错误所在的"
        "工作表、行号、列名和原因；改正后重新上传即可。",
        "匹配规则：分组按“组号”匹配，单位按“单位名称”匹配，人员按“用户名”匹配——已有的更新，没有的新建。"
        "非必填的单元格留空表示“不修改”（新建时取默认值）。",
        "导入不会删除任何分组、单位或人员，也不会撤销已有的角色；文件中没有的单位保持不变。",
        f"单位的“所属组”写入当前工作年度（{year} 年）的分组：单位本年度已在别的组的，改到新组；"
        "牵头单位不能通过导入调组，请先调整牵头单位。",
        "“角色”只能是单位角色：机关党委书记、机关党委工作人员、单位党组(党委)成员。"
        "机关党委书记同时登记为所属单位机关党组织的书记，每个单位只能有一名。",
        "新建的人员账号没有密码，须由系统管理员设置初始密码后才能登录。",
        "请不要使用公式（以“=”开头的单元格）和合并单元格；单位代码、用户名、手机号请按文本填写。"
        f"文件须为 .xlsx 格式，不超过 {_megabytes(settings.IMPORT_MAX_BYTES)}，"
        f"每张表不超过 {sheets.MAX_ROWS} 行数据。",
    ]


def build_template() -> bytes:
    """The downloadable import template: instructions, then one sheet per kind of row."""
    return sheets.template_workbook(SPECS, template_instructions(), help_sheet=SHEET_HELP)
