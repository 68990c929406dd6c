"""示例数据（demonstration data）for ``python manage.py load_demo``.

This is NOT an official roster. The committee, its departments and the names
of the units follow the public shape of Beijing's municipal organs, so that a
demonstration looks familiar; but the grouping, the leading bodies, the party
organisations, their member counts, every person and every username are made
up for demonstration and training. Do not read any of it as a statement about
a real body or a real person.

Everything here is plain data; ``heli.org.demo`` loads it. The people of the
units (one organ party secretary and one party-affairs worker per unit) are not
listed: the loader generates their fictional names from ``SURNAMES`` and
``GIVEN_NAME_CHARS`` with a fixed seed, so every load gives the same people.
"""

from __future__ import annotations

from typing import NamedTuple

# Leading body (党组 / 党委) — the values of ``Unit.LeadingBody``.
PG = "party_group"
PC = "party_committee"

# Size of a unit's organ party organisation. The loader turns it into the kind
# of the organisation and a plausible number of members and branches:
#   L: 机关党委, large;  M: 机关党委;  S: 机关总支;  X: 机关支部.
L, M, S, X = "L", "M", "S", "X"


class CommitteeData(NamedTuple):
    name: str
    short_name: str
    code: str


class DepartmentData(NamedTuple):
    name: str
    duties: str
    is_meeting_office: bool = False


class PersonData(NamedTuple):
    username: str
    full_name: str
    title: str


class LeaderData(NamedTuple):
    username: str
    full_name: str
    title: str
    group: int  # the number of the group this leader is the liaison of


class UnitData(NamedTuple):
    name: str
    short_name: str
    leading_body: str  # PG or PC
    size: str  # L, M, S or X


class GroupData(NamedTuple):
    number: int
    name: str
    description: str
    units: tuple[UnitData, ...]


class HistoryUnitData(NamedTuple):
    """A unit that was merged or abolished; not one of the active units."""

    name: str
    short_name: str
    code: str
    leading_body: str
    status: str  # "merged" or "abolished"
    successor: str  # the successor's name, for a merged unit
    # The year it ended; None means the first demonstration year (two years
    # before the current one), so that it shows in that year's group.
    year: int | None
    month: int
    day: int
    group: int | None  # its group in the demonstration years up to the year it ended
    after: str  # listed right after this unit (sets its sort order)
    notes: str


COMMITTEE = CommitteeData(
    name="中共北京市委市直机关工作委员会", short_name="市直机关工委", code="beijing"
)

DEPARTMENTS: tuple[DepartmentData, ...] = (
    DepartmentData(
        "办公室", "负责工委机关日常运转，承担文电、会务、机要保密、信息化和督查督办工作。"
    ),
    DepartmentData(
        "组织部",
        "负责市直机关基层党组织建设和党员队伍建设，承担联席会议办公室的日常工作。",
        is_meeting_office=True,
    ),
    DepartmentData("宣传部", "负责市直机关思想理论武装、宣传和精神文明建设，管理党建信息发布。"),
    DepartmentData("统战群工部", "负责市直机关统一战线工作，指导机关工会、共青团和妇女工作。"),
    DepartmentData("机关纪工委", "负责市直机关纪律检查工作，协助工委推进党风廉政建设。"),
    DepartmentData("研究室", "负责机关党建重大问题的调查研究，起草工委重要文稿。"),
    DepartmentData("干部处", "负责市直机关党务干部的培训、考核和工委机关人事工作。"),
    DepartmentData("老干部处", "负责工委机关离退休干部的服务管理工作。"),
)

# The committee's leaders, one liaison leader per group. The first one is the
# demonstration login "leader"; the liaison leader of the demonstration unit's group.
LEADERS: tuple[LeaderData, ...] = (
    LeaderData("leader", "王立新", "常务副书记", 2),
    LeaderData("chenweidong", "陈卫东", "副书记", 1),
    LeaderData("liuxiaoyan", "刘晓燕", "副书记", 3),
    LeaderData("zhaozhiqiang", "赵志强", "副书记", 4),
    LeaderData("sunhaitao", "孙海涛", "委员、机关纪工委书记", 5),
    LeaderData("zhouwenjing", "周文静", "委员、组织部部长", 6),
    LeaderData("wuguoping", "吴国平", "委员、宣传部部长", 7),
    LeaderData("zhengxiaoming", "郑晓明", "一级巡视员", 8),
)

# The other demonstration logins of the committee.
ADMINS: tuple[PersonData, ...] = (
    PersonData("admin", "马晓东", "办公室 系统管理员"),
    PersonData("secadmin", "冯雪梅", "办公室 安全管理员"),
    PersonData("auditor", "韩静", "机关纪工委 审计管理员"),
)
STAFF = PersonData("staff", "杨帆", "宣传部一级主任科员")
STAFF_DEPARTMENT = "宣传部"
OFFICE = PersonData("office", "林晓雯", "组织部二级调研员（联席会议办公室）")
OFFICE_DEPARTMENT = "组织部"
# One staff member for each other department that supervises demonstration tasks, so that
# every demonstration task can be carried to its closure from a demonstration login.
DEPARTMENT_STAFF: tuple[tuple[PersonData, str], ...] = (
    (PersonData("staff_office", "曹明", "办公室四级调研员"), "办公室"),
    (PersonData("staff_united", "邓丽", "统战群工部一级主任科员"), "统战群工部"),
    (PersonData("staff_discipline", "贾伟", "机关纪工委二级主任科员"), "机关纪工委"),
    (PersonData("staff_research", "宋涛", "研究室一级主任科员"), "研究室"),
    (PersonData("staff_cadres", "唐敏", "干部处二级主任科员"), "干部处"),
    (PersonData("staff_veterans", "许强", "老干部处三级主任科员"), "老干部处"),
)

# The demonstration unit: its party-group member and the people of its organ
# party committee are demonstration logins. It leads its group in the current
# year (the sixth unit of its group: see heli.org.rotation and the three years of
# leads the loader builds).
DEMO_UNIT = "北京市人民政府国有资产监督管理委员会"
UNIT_LEADER = PersonData("unit_leader", "高建华", "党委委员、副主任")
SECRETARY = PersonData("secretary", "何振宇", "机关党委书记")
UNIT_STAFF = PersonData("unitstaff", "罗佳", "机关党委专职副书记")

GROUPS: tuple[GroupData, ...] = (
    GroupData(
        1,
        "第一组（综合党务）",
        "市委工作机关和市政府综合部门。",
        (
            UnitData("中共北京市委办公厅", "市委办公厅", PC, M),
            UnitData("中共北京市纪委北京市监委机关", "市纪委市监委机关", PC, L),
            UnitData("中共北京市委组织部", "市委组织部", PC, M),
            UnitData("中共北京市委宣传部", "市委宣传部", PC, M),
            UnitData("中共北京市委统战部", "市委统战部", PC, M),
            UnitData("中共北京市委社会工作部", "市委社会工作部", PC, M),
            UnitData("中共北京市委研究室", "市委研究室", PC, M),
            UnitData("中共北京市委网络安全和信息化委员会办公室", "市委网信办", PC, M),
            UnitData("中共北京市委机构编制委员会办公室", "市委编办", PC, S),
            UnitData("中共北京市委台湾工作办公室", "市委台办", PC, X),
            UnitData("中共北京市委老干部局", "市委老干部局", PC, S),
            UnitData("中共北京市委党史研究室", "市委党史研究室", PC, S),
            UnitData("北京市人民政府办公厅", "市政府办公厅", PG, M),
            UnitData("北京市人民政府外事办公室", "市政府外办", PG, M),
            UnitData("北京市人民政府港澳事务办公室", "市政府港澳办", PG, X),
            UnitData("北京市人民政府参事室", "市政府参事室", PG, X),
            UnitData("北京市机关事务管理局", "市机关事务局", PG, M),
        ),
    ),
    GroupData(
        2,
        "第二组（经济发展）",
        "经济综合、财政金融和市场监管部门。",
        (
            UnitData("北京市发展和改革委员会", "市发展改革委", PG, L),
            UnitData("北京市经济和信息化局", "市经济和信息化局", PG, M),
            UnitData("北京市财政局", "市财政局", PG, M),
            UnitData("北京市商务局", "市商务局", PG, M),
            UnitData("北京市审计局", "市审计局", PG, M),
            UnitData("北京市人民政府国有资产监督管理委员会", "市国资委", PC, M),
            UnitData("北京市市场监督管理局", "市市场监管局", PG, L),
            UnitData("北京市统计局", "市统计局", PG, M),
            UnitData("北京市地方金融管理局", "市地方金融管理局", PG, M),
            UnitData("北京市知识产权局", "市知识产权局", PG, S),
            UnitData("北京市粮食和物资储备局", "市粮食和储备局", PG, S),
            UnitData("北京市政务服务和数据管理局", "市政务服务和数据局", PG, M),
            UnitData("北京经济技术开发区管理委员会", "北京经开区管委会", PC, M),
            UnitData("北京市投资促进服务中心", "市投资促进服务中心", PG, S),
        ),
    ),
    GroupData(
        3,
        "第三组（城市建设管理）",
        "规划建设、城市管理、交通、生态和农业农村部门。",
        (
            UnitData("北京市规划和自然资源委员会", "市规划自然资源委", PG, L),
            UnitData("北京市生态环境局", "市生态环境局", PG, M),
            UnitData("北京市住房和城乡建设委员会", "市住房城乡建设委", PG, M),
            UnitData("北京市城市管理委员会", "市城市管理委", PG, M),
            UnitData("北京市交通委员会", "市交通委", PG, L),
            UnitData("北京市水务局", "市水务局", PG, M),
            UnitData("北京市农业农村局", "市农业农村局", PG, M),
            UnitData("北京市园林绿化局", "市园林绿化局", PG, M),
            UnitData("北京市城市管理综合行政执法局", "市城管执法局", PG, M),
            UnitData("北京市应急管理局", "市应急管理局", PG, M),
            UnitData("北京市人民防空办公室", "市人防办", PG, S),
            UnitData("北京市重大项目建设指挥部办公室", "市重大项目办", PG, X),
            UnitData("北京城市副中心管理委员会", "城市副中心管委会", PC, M),
            UnitData("北京市公园管理中心", "市公园管理中心", PC, L),
        ),
    ),
    GroupData(
        4,
        "第四组（社会民生）",
        "民政、人力社保、卫生健康和社会服务部门。",
        (
            UnitData("北京市民政局", "市民政局", PG, M),
            UnitData("北京市人力资源和社会保障局", "市人力资源社会保障局", PG, M),
            UnitData("北京市卫生健康委员会", "市卫生健康委", PG, M),
            UnitData("北京市医疗保障局", "市医保局", PG, S),
            UnitData("北京市中医管理局", "市中医管理局", PG, S),
            UnitData("北京市疾病预防控制局", "市疾控局", PG, S),
            UnitData("北京市药品监督管理局", "市药监局", PG, M),
            UnitData("北京市退役军人事务局", "市退役军人事务局", PG, S),
            UnitData("北京市民族宗教事务委员会", "市民族宗教委", PG, S),
            UnitData("北京市信访办公室", "市信访办", PG, M),
            UnitData("北京市残疾人联合会", "市残联", PG, S),
            UnitData("北京市老龄协会", "市老龄协会", PG, X),
            UnitData("北京市住房公积金管理中心", "市住房公积金管理中心", PG, M),
            UnitData("北京市社会保险基金管理中心", "市社保中心", PG, M),
            UnitData("北京市市民热线服务中心", "市民热线服务中心", PG, M),
            UnitData("北京市医院管理中心", "市医院管理中心", PC, M),
        ),
    ),
    GroupData(
        5,
        "第五组（政法）",
        "政法委、公安、司法行政、审判和检察机关。",
        (
            UnitData("中共北京市委政法委员会", "市委政法委", PC, M),
            UnitData("北京市公安局", "市公安局", PC, L),
            UnitData("北京市司法局", "市司法局", PG, M),
            UnitData("北京市高级人民法院", "市高级法院", PG, L),
            UnitData("北京市第一中级人民法院", "市一中院", PG, M),
            UnitData("北京市第二中级人民法院", "市二中院", PG, M),
            UnitData("北京市第三中级人民法院", "市三中院", PG, M),
            UnitData("北京市第四中级人民法院", "市四中院", PG, M),
            UnitData("北京知识产权法院", "北京知识产权法院", PG, S),
            UnitData("北京金融法院", "北京金融法院", PG, S),
            UnitData("北京市人民检察院", "市人民检察院", PG, L),
            UnitData("北京市人民检察院第一分院", "市检一分院", PG, M),
            UnitData("北京市人民检察院第二分院", "市检二分院", PG, M),
            UnitData("北京市人民检察院第四分院", "市检四分院", PG, S),
            UnitData("北京市监狱管理局", "市监狱管理局", PC, M),
            UnitData("北京市戒毒管理局", "市戒毒管理局", PC, M),
        ),
    ),
    GroupData(
        6,
        "第六组（科教文体）",
        "教育、科技、文化旅游、广电、体育和文物部门及科研院所。",
        (
            UnitData("北京市教育委员会", "市教委", PG, M),
            UnitData(
                "北京市科学技术委员会、中关村科技园区管理委员会", "市科委、中关村管委会", PG, M
            ),
            UnitData("北京市文化和旅游局", "市文化和旅游局", PG, M),
            UnitData("北京市广播电视局", "市广电局", PG, M),
            UnitData("北京市体育局", "市体育局", PG, M),
            UnitData("北京市文物局", "市文物局", PG, M),
            UnitData("北京市文化市场综合执法总队", "市文化执法总队", PG, S),
            UnitData("北京市社会科学院", "市社科院", PG, M),
            UnitData("北京市科学技术研究院", "市科学技术研究院", PC, M),
            UnitData("北京市农林科学院", "市农林科学院", PC, M),
            UnitData("北京市国有文化资产管理中心", "市文资中心", PC, S),
            UnitData("首都图书馆", "首都图书馆", PC, S),
            UnitData("北京市教育考试院", "市教育考试院", PC, S),
            UnitData("北京市档案馆", "市档案馆", PG, S),
        ),
    ),
    GroupData(
        7,
        "第七组（人大政协群团）",
        "市人大常委会机关、市政协机关和人民团体。",
        (
            UnitData("北京市人民代表大会常务委员会机关", "市人大常委会机关", PG, M),
            UnitData("中国人民政治协商会议北京市委员会机关", "市政协机关", PG, M),
            UnitData("北京市总工会", "市总工会", PG, M),
            UnitData("共青团北京市委员会", "团市委", PG, M),
            UnitData("北京市妇女联合会", "市妇联", PG, S),
            UnitData("北京市科学技术协会", "市科协", PG, M),
            UnitData("北京市文学艺术界联合会", "市文联", PG, S),
            UnitData("北京作家协会", "北京作协", PG, X),
            UnitData("北京市归国华侨联合会", "市侨联", PG, X),
            UnitData("北京市工商业联合会", "市工商联", PG, S),
            UnitData("北京市社会科学界联合会", "市社科联", PG, X),
            UnitData("北京市人民对外友好协会", "市对外友协", PG, X),
            UnitData("中国国际贸易促进委员会北京市分会", "北京市贸促会", PG, S),
            UnitData("北京市台湾同胞联谊会", "市台联", PG, X),
            UnitData("北京市法学会", "市法学会", PG, X),
            UnitData("北京市红十字会", "市红十字会", PG, S),
        ),
    ),
    GroupData(
        8,
        "第八组（事业单位）",
        "市委、市政府直属事业单位：新闻媒体、院校和研究设计机构。",
        (
            UnitData("北京日报社", "北京日报社", PC, L),
            UnitData("北京广播电视台", "北京广播电视台", PC, L),
            UnitData("中共北京市委党校", "市委党校", PC, M),
            UnitData("北京市社会主义学院", "市社会主义学院", PG, S),
            UnitData("北京联合大学", "北京联合大学", PC, M),
            UnitData("北京开放大学", "北京开放大学", PC, M),
            UnitData("北京教育学院", "北京教育学院", PC, M),
            UnitData("北京市城市规划设计研究院", "市规划院", PC, M),
            UnitData("北京市测绘设计研究院", "市测绘院", PC, S),
            UnitData("北京市地质矿产勘查院", "市地勘院", PC, M),
            UnitData("北京市水科学技术研究院", "市水科院", PC, S),
            UnitData("北京市环境保护科学研究院", "市环科院", PC, S),
            UnitData("北京市疾病预防控制中心", "市疾控中心", PC, M),
            UnitData("首都博物馆", "首都博物馆", PC, S),
            UnitData("北京青年报社", "北京青年报社", PC, S),
        ),
    ),
)

# Organ party organisations whose name is not simply "中共" + unit name + kind.
ORG_NAMES: dict[str, str] = {
    "北京市人民代表大会常务委员会机关": "中共北京市人大常委会机关委员会",
    "中国人民政治协商会议北京市委员会机关": "中共北京市政协机关委员会",
    "北京市科学技术委员会、中关村科技园区管理委员会": "中共北京市科委、中关村管委会机关委员会",
    "中国国际贸易促进委员会北京市分会": "中共北京市贸促会机关总支部委员会",
}

# Units that ended through institutional reform; they keep their history.
HISTORY_UNITS: tuple[HistoryUnitData, ...] = (
    HistoryUnitData(
        name="北京市旅游发展委员会",
        short_name="市旅游委",
        code="BJ901",
        leading_body=PG,
        status="merged",
        successor="北京市文化和旅游局",
        year=2018,
        month=11,
        day=8,
        group=None,
        after="北京市文化和旅游局",
        notes="2018年机构改革，与原市文化局组建北京市文化和旅游局。",
    ),
    HistoryUnitData(
        name="北京市人民政府研究室",
        short_name="市政府研究室",
        code="BJ902",
        leading_body=PG,
        status="merged",
        successor="中共北京市委研究室",
        year=None,
        month=12,
        day=1,
        group=1,
        after="北京市人民政府办公厅",
        notes="机构改革，并入中共北京市委研究室（示例）。",
    ),
    HistoryUnitData(
        name="北京市人民政府合作交流办公室",
        short_name="市政府合作交流办",
        code="BJ903",
        leading_body=PG,
        status="abolished",
        successor="",
        year=None,
        month=12,
        day=1,
        group=2,
        after="北京市投资促进服务中心",
        notes="机构改革，撤销建制，职能划入北京市发展和改革委员会（示例）。",
    ),
)

# For the fictional names of the units' people.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
)
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红鹏辉建国志海文林晓雪宁欣佳怡婷浩宇凯"
    "斌峰鑫丹蕾颖琳慧晨阳博帆昊哲睿瑞岩春松柏悦彤璐楠然航亮波健东新立振德永兴"
)
NAME_SEED = "heli-demo-people"
