"""示例沟通联系（demonstration contacts）: the texts ``heli.liaison.demo`` draws from.

Made up for demonstration and training, in the words such records use; no real person is
named (the people present are the demonstration committee's own accounts).
``{year}``, ``{group}`` and ``{unit}`` are filled in by the loader.
"""

from __future__ import annotations

from typing import NamedTuple

# The subject codes of heli.liaison.models.Subject.
DECISIONS, VIEWS, REGULATIONS, DUTIES, PROBLEMS = (
    "decisions",
    "views",
    "regulations",
    "duties",
    "problems",
)


class Text(NamedTuple):
    title: str
    summary: str
    subjects: tuple[str, ...]


class LetterText(NamedTuple):
    title: str
    summary: str
    body: str
    subjects: tuple[str, ...]
    answer_days: int  # the units are asked to answer within this many days


class MatterText(NamedTuple):
    title: str
    department: str  # the supervising department
    description: str


# Three letters a year, in the order they are sent.
LETTERS: tuple[LetterText, ...] = (
    LetterText(
        "关于征求对《{year}年市直机关党建工作要点》意见建议的函",
        "书面征求各单位党组（党委）对年度党建工作要点的意见建议，请各单位机关党委汇总后书面反馈。",
        "为做好{year}年市直机关党建工作，工委起草了《{year}年市直机关党建工作要点（征求意见稿）》，"
        "现送你单位党组（党委）征求意见。请结合本单位实际，重点就贯彻落实党中央和市委重大决策部署、"
        "推进模范机关创建、加强基层党组织建设等方面提出意见建议，经党组（党委）研究后书面反馈。",
        (VIEWS, DECISIONS),
        20,
    ),
    LetterText(
        "关于报送贯彻落实《中国共产党党和国家机关基层组织工作条例》情况的函",
        "请各单位报送贯彻落实机关基层组织工作条例和本市实施办法的情况，查找存在的问题。",
        "根据工委年度工作安排，请你单位对照《中国共产党党和国家机关基层组织工作条例》和本市实施办法，"
        "对机关党委、党支部设置和换届、党务干部配备、“三会一课”落实等情况开展自查，"
        "形成书面报告，报送工委组织部。",
        (REGULATIONS, DUTIES),
        30,
    ),
    LetterText(
        "关于开展{year}年度机关党委履职情况自查的函",
        "请各单位机关党委对照职责清单开展年度履职自查，梳理需要工委协调解决的突出问题。",
        "为推动机关党委切实履行协助党组（党委）落实全面从严治党主体责任、监督责任，"
        "请你单位机关党委对照职责清单，逐项梳理{year}年度履职情况，"
        "列明需要研究解决的具体问题，于规定时间内书面答复工委。",
        (DUTIES, PROBLEMS),
        15,
    ),
)

# A symposium of some units of a group, once a year per group.
SYMPOSIUMS: tuple[Text, ...] = (
    Text(
        "{group}机关党建工作座谈会",
        "工委领导主持召开座谈会，听取各单位机关党委关于落实全面从严治党主体责任、"
        "推进模范机关创建的情况汇报。与会单位交流了党建与业务深度融合的做法，"
        "反映了党务干部力量不足、基层党组织活动阵地紧张等问题，现场梳理形成需要研究解决的事项清单。",
        (DUTIES, PROBLEMS, DECISIONS),
    ),
    Text(
        "{group}贯彻落实党中央和市委重大决策部署交流座谈会",
        "围绕学习贯彻党中央和市委重大决策部署，各单位介绍了“第一议题”制度落实、"
        "理论学习中心组学习和专题调研开展情况。工委领导就以高质量党建保障中心工作提出要求，"
        "对各单位提出的共性问题明确了研究解决的责任处室。",
        (DECISIONS, DUTIES),
    ),
)

# A visit to one unit's party group (党组 / 党委).
VISITS: tuple[Text, ...] = (
    Text(
        "走访{unit}党组（党委）",
        "工委领导带队走访，与单位党组（党委）主要负责同志座谈，听取落实机关党建主体责任情况汇报，"
        "实地查看党员活动室和党建工作台账，就加强机关党委建设、配强党务干部交换意见。",
        (DUTIES, PROBLEMS),
    ),
    Text(
        "赴{unit}调研基层组织工作条例落实情况",
        "调研组查阅党支部“三会一课”记录和换届资料，与部分党支部书记、青年党员座谈，"
        "了解机关基层组织工作条例和本市实施办法的贯彻情况，反馈了支部设置需随内设机构调整优化等意见。",
        (REGULATIONS, PROBLEMS),
    ),
    Text(
        "走访{unit}听取对工委工作的意见建议",
        "工委处室负责同志走访单位，听取党组（党委）对工委年度工作和相关制度办法的意见建议，"
        "单位提出希望加强党务干部培训、简化党建考核材料报送等建议，已带回研究。",
        (VIEWS, DUTIES),
    ),
)

# One contact a year through each information channel (form, text).
INFORMATION: tuple[tuple[str, Text], ...] = (
    (
        "website",
        Text(
            "通过党建网站开展“学习贯彻党的创新理论”专题沟通",
            "在市直机关党建网开设专题栏目，推送学习辅导材料，各单位机关党委在线报送学习贯彻情况和工作动态。",
            (DECISIONS,),
        ),
    ),
    (
        "intranet",
        Text(
            "通过政务内网征求对机关党建工作考核办法修订稿的意见",
            "在政务内网发布机关党建工作考核办法修订稿，征集各单位意见，共收到修改建议若干条，已分类研究吸收。",
            (VIEWS, REGULATIONS),
        ),
    ),
    (
        "wechat",
        Text(
            "通过微信公众号推送基层组织工作条例解读并收集反馈",
            "通过工委微信公众号推送条例系列解读，设置留言反馈通道，汇总各单位党员关注的支部建设问题。",
            (REGULATIONS, PROBLEMS),
        ),
    ),
    (
        "building_tv",
        Text(
            "通过楼宇电视宣传模范机关创建典型经验",
            "在办公楼宇电视滚动播放模范机关创建典型经验短片，同步向各单位征集本单位创建做法。",
            (DECISIONS, DUTIES),
        ),
    ),
)

# The specific problems raised in a contact that become tasks (需要研究解决的具体问题).
MATTERS: tuple[MatterText, ...] = (
    MatterText(
        "配齐机关党委专职副书记",
        "组织部",
        "单位反映机关党委专职副书记长期空缺，请商单位党组（党委）按规定配备到位。",
    ),
    MatterText(
        "解决离退休干部党支部活动场地紧张问题",
        "老干部处",
        "离退休干部党支部缺少固定活动场所，请协调单位统筹解决。",
    ),
    MatterText(
        "优化内设机构调整后的党支部设置",
        "组织部",
        "机构改革后部分处室合并，党支部设置与内设机构不对应，请指导单位调整优化并按期换届。",
    ),
    MatterText(
        "加强新任党支部书记培训",
        "干部处",
        "新任党支部书记占比较高，请将其纳入年度党务干部轮训计划并跟踪参训情况。",
    ),
    MatterText(
        "明确党建工作经费使用范围",
        "组织部",
        "单位对党建工作经费可列支范围把握不准，请给予政策解读和指导。",
    ),
    MatterText(
        "完善青年理论学习小组学习机制",
        "统战群工部",
        "青年理论学习小组学习形式较为单一，请指导单位丰富学习方式，建立常态化机制。",
    ),
    MatterText(
        "推动廉政风险点排查整改",
        "机关纪工委",
        "座谈中反映重点岗位廉政风险排查不够深入，请督促单位完成排查并建立防控台账。",
    ),
    MatterText(
        "规范党建信息报送流程",
        "宣传部",
        "单位反映党建信息多头报送、重复填报，请研究统一报送口径和流程。",
    ),
    MatterText(
        "开展机关党建重点课题联合调研",
        "研究室",
        "单位希望就党建与业务融合开展联合调研，请纳入年度重点调研课题统筹安排。",
    ),
    MatterText(
        "精简党建考核佐证材料",
        "办公室",
        "单位反映考核佐证材料要求过多，请研究精简，减轻基层负担。",
    ),
)

# Answers units give to a letter.
ANSWERS: tuple[str, ...] = (
    "经党组（党委）会议研究，我单位对征求意见稿无修改意见，将结合实际抓好贯彻落实。",
    "已组织机关党委对照要求开展自查，形成书面报告（见附件），主要问题和整改措施已列明。",
    "我单位提出三条意见建议：一是进一步明确机关党委与人事部门职责分工；二是加大党务干部培训力度；"
    "三是简化考核材料报送。",
)
