"""The downloadable template of the registry import: the 说明 sheet, then the data sheets
of what the person downloading it may import (三员分立: each administrator their own)."""

from __future__ import annotations

from django.conf import settings

from heli.lib import sheets
from heli.lib.dates import current_year
from heli.lib.sheets import SheetSpec
from heli.org.importer.plan import Rights
from heli.org.importer.specs import (
    GROUPS_SPEC,
    PEOPLE_SPEC,
    ROLES_SPEC,
    SHEET_HELP,
    UNITS_SPEC,
)

EVERYTHING = Rights(registry=True, people=True, roles=True)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def template_specs(rights: Rights) -> list[SheetSpec]:
    """The data sheets of the template for someone with these rights."""
    specs = []
    if rights.registry:
        specs += [GROUPS_SPEC, UNITS_SPEC]
    if rights.people:
        specs.append(PEOPLE_SPEC)
    if rights.roles:
        specs.append(ROLES_SPEC)
    return specs


def template_instructions(rights: Rights = EVERYTHING, year: int | None = None) -> list[str]:
    """The paragraphs of the 说明 sheet (the workbook format is Chinese)."""
    year = year or current_year()
    names = "、".join(spec.name for spec in template_specs(rights))
    paragraphs = [
        f"本模板用于向“合力”平台批量导入，数据表：{names}。"
        "可以只填写其中一张或几张；不需要的表保留列名行即可，也可以删除，但整个文件至少要有一行数据。",
        "每张数据表的第 1 行是列名，请不要修改；深红底色的列为必填。把鼠标停在列名上可看到该列的填写说明。"
        f"第 2 行是示例（第一格以“{sheets.EXAMPLE_MARK}”开头），导入时自动跳过；请从第 3 行起填写。",
        "导入“要么全部成功，要么什么都不做”：只要有一处错误，系统不保存任何数据，并列出每个错误所在的"
        "工作表、行号、列名和原因；改正后重新上传即可。每次导入（包括被拒绝的）和导入建立或修改的每一条记录"
        "都记入审计日志，注明导入人、文件名及其校验值。",
        "三员分立：分组和单位由系统管理员或联席会议办公室导入；人员账号由系统管理员导入，只建立账号、"
        "不授予角色；角色授权只能由安全管理员导入，预览确认后才生效。文件中有不属于本人导入的表或列，"
        "整个文件不予导入，并逐行说明原因。",
    ]
    if rights.registry:
        paragraphs += [
            "匹配规则：分组按“组号”匹配，单位按“单位名称”匹配"
            + ("，人员按“用户名”匹配" if rights.people else "")
            + "——已有的更新，没有的新建。非必填的单元格留空表示“不修改”（新建时取默认值）。",
            "导入不会删除任何分组、单位或人员；文件中没有的单位保持不变。",
            f"单位的“所属组”写入当前工作年度（{year} 年）的分组：单位本年度已在别的组的，改到新组；"
            "牵头单位不能通过导入调组，请先调整牵头单位。",
        ]
    if rights.people:
        paragraphs += [
            "“人员”表只建立和更新账号（姓名、职务、手机号），不授予角色，也不登记机关党委书记；"
            "填写“角色”或“所属单位”列的文件不予导入。角色请交安全管理员在“角色”表中导入。",
            "新建的人员账号没有密码，须由系统管理员设置初始密码后才能登录。",
        ]
    if rights.roles:
        paragraphs += [
            "“角色”表每行给一个已有账号授予一个角色。上传后系统先列出预览：每一项授权（新授予或已有不变）"
            "和每一处机关党委书记的变更（原书记是谁）；确认后才写入，每项授权都记入审计日志。",
            "工委领导、联席会议办公室：“所属单位”“所属处室”都留空；工委处室人员：填写“所属处室”；"
            "单位党组(党委)成员、机关党委书记、机关党委工作人员：填写“所属单位”。管理员角色不能导入。",
            "机关党委书记同时登记为该单位机关党组织的书记（替换原书记），每个单位只能有一名。"
            "导入只授予角色，不撤销已有角色；不能给自己授予角色，管理员账号不能担任业务角色。",
        ]
    paragraphs.append(
        "请不要使用公式（以“=”开头的单元格）和合并单元格；单位代码、用户名、手机号请按文本填写。"
        f"文件须为 .xlsx 格式，不超过 {_megabytes(settings.IMPORT_MAX_BYTES)}，"
        f"每张表不超过 {sheets.MAX_ROWS} 行数据。"
    )
    return paragraphs


def build_template(rights: Rights = EVERYTHING) -> bytes:
    """The downloadable import template: instructions, then the sheets ``rights`` import."""
    return sheets.template_workbook(
        template_specs(rights), template_instructions(rights), help_sheet=SHEET_HELP
    )
