"""The demonstration bureau: organisations, people and the words of their records.

Everything here is data in the bureau's own language (names, departments,
reasons written on points cards), not interface text. People are generated from
fixed seeds so every run produces the same bureau.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from organizations.models import Role

PASSWORD = "Demo@2026"  # noqa: S105 - the published password of the demo logins
PEOPLE_SEED = 2021
LEDGER_SEED = 20211
LIFE_SEED = 20261

COMMITTEE = ("jgdw", "机关党委")
GENERAL_BRANCH = ("jszzb", "局属单位党总支")


@dataclass(frozen=True)
class BranchPlan:
    code: str
    name: str
    parent: str
    departments: tuple[str, ...]
    size: int
    # Public representatives: (name, work unit)
    representatives: tuple[tuple[str, str], ...]


BRANCHES = [
    BranchPlan(
        "zb1",
        "机关第一党支部",
        "jgdw",
        ("办公室", "人事科", "财务审计科"),
        26,
        (
            ("孙立华", "沂蒙山游客服务中心"),
            ("邵春燕", "蒙阴县岱崮镇岱崮村村民委员会"),
            ("侯德才", "驻局物业服务公司"),
        ),
    ),
    BranchPlan(
        "zb2",
        "机关第二党支部",
        "jgdw",
        ("生态保护科", "规划发展科"),
        26,
        (
            ("范玉兰", "平邑县柏林镇人民政府"),
            ("田洪波", "蒙山国有林场"),
            ("韩桂芝", "费县薛庄镇下旺村村民"),
        ),
    ),
    BranchPlan(
        "zb3",
        "机关第三党支部",
        "jgdw",
        ("监督检查科", "宣传交流科"),
        25,
        (
            ("贾振东", "沂蒙山旅游区景区商户"),
            ("蒋秀英", "蒙阴县野店镇烟庄村村民委员会"),
            ("曹建民", "临沂市地质学会"),
        ),
    ),
    BranchPlan(
        "zb4",
        "机关第四党支部",
        "jgdw",
        ("科学研究所", "综合保障科"),
        25,
        (
            ("龙海燕", "临沂大学地理与旅游学院"),
            ("万成刚", "沂南县依汶镇群众代表"),
            ("彭淑珍", "驻地酒店行业协会"),
        ),
    ),
    BranchPlan(
        "jszzb1",
        "地质博物馆党支部",
        "jszzb",
        ("地质博物馆",),
        24,
        (
            ("石晓东", "博物馆志愿讲解员"),
            ("金凤霞", "临沂第三中学"),
            ("段国庆", "社区居民代表"),
        ),
    ),
    BranchPlan(
        "jszzb2",
        "蒙山管理区党支部",
        "jszzb",
        ("蒙山管理区服务中心",),
        24,
        (
            ("崔永和", "蒙山旅游区管理委员会"),
            ("邱丽娟", "平邑县万寿宫村村民委员会"),
            ("雷志远", "蒙山索道公司"),
        ),
    ),
]

# (name, business line on the points card or "")
DEPARTMENTS = [
    ("办公室", ""),
    ("人事科", ""),
    ("财务审计科", ""),
    ("生态保护科", "ecology"),
    ("规划发展科", "planning"),
    ("监督检查科", "supervision"),
    ("宣传交流科", "publicity"),
    ("科学研究所", "research"),
    ("综合保障科", "support"),
    ("地质博物馆", "publicity"),
    ("蒙山管理区服务中心", "ecology"),
]
BUSINESS_LINE = dict(DEPARTMENTS)

HEADS = {
    "办公室": ("主任", "副主任"),
    "科学研究所": ("所长", "副所长"),
    "地质博物馆": ("馆长", "副馆长"),
    "蒙山管理区服务中心": ("主任", "副主任"),
}
STAFF = {
    "科学研究所": ["工程师", "高级工程师", "助理工程师", "工程师", "科员"],
    "生态保护科": ["工程师", "科员", "一级科员", "助理工程师"],
    "规划发展科": ["工程师", "科员", "四级主任科员"],
    "财务审计科": ["会计", "科员", "审计员"],
    "地质博物馆": ["讲解员", "讲解员", "文博馆员", "科员"],
    "蒙山管理区服务中心": ["护林员", "科员", "助理工程师", "管理员"],
}
DEFAULT_STAFF = ["科员", "一级科员", "四级主任科员", "二级主任科员", "科员"]

# (username, role, organisation code, index of the member record in that branch or None)
DEMO_USERS = [
    ("admin", Role.COMMITTEE_ADMIN, "jgdw", None),
    ("shuji", Role.SECRETARY, "zb1", 0),
    ("kaoping", Role.GROUP_MEMBER, "zb1", 1),
    ("jilu", Role.RECORDER, "zb1", 2),
    ("dangyuan", Role.MEMBER, "zb1", 8),
    ("shuji2", Role.SECRETARY, "zb2", 0),
    ("kaoping2", Role.GROUP_MEMBER, "zb2", 1),
    ("shuji3", Role.SECRETARY, "zb3", 0),
    ("shuji4", Role.SECRETARY, "zb4", 0),
    ("shuji5", Role.SECRETARY, "jszzb1", 0),
    ("shuji6", Role.SECRETARY, "jszzb2", 0),
]
SECRETARY_OF = {
    "zb1": "shuji",
    "zb2": "shuji2",
    "zb3": "shuji3",
    "zb4": "shuji4",
    "jszzb1": "shuji5",
    "jszzb2": "shuji6",
}
# Plan §3.1: 机关第一党支部's points leading group (the secretary and two members without a
# login), the person responsible (the assessment group's member) and their training.
LEADING_GROUP = (0, 3, 4)
RESPONSIBLE = 1
LEADING_GROUP_REASON = "支部委员会研究决定"
TRAINING_TOPIC = "党员奉献量化积分制管理实施方案学习培训"

# Who records a secretary's own attendance and dues (nobody records their own); the
# committee's administrator where the branch has no other officer.
STAND_IN_OF = {"zb1": "jilu", "zb2": "kaoping2"}
# Who recognises a branch's declarations (the first who is not the declarant).
REVIEWERS_OF = {"zb1": ("kaoping", "jilu"), "zb2": ("kaoping2", "shuji2")}
ADMIN_NAME = "机关党委管理员"

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹"
    "熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文颜庞"
)
MALE_CHARS = (
    "伟刚勇毅俊峰强军平东文辉力明永健广志义兴良海山波宁福生龙国胜学祥才武新利清飞彬"
    "富顺杰涛成康光天达安岩中进林坚和博诚振庆磊民友河江超浩亮宏鹏斌栋建家德晨华鑫"
)
FEMALE_CHARS = (
    "秀娟英华慧美娜静淑惠玉萍红玲芬芳燕春兰凤洁梅琳云莲雪荣霞香月艳佳珍莉桂晶妍"
    "秋婷颖瑶怡丹蓉琴薇岚欣晓丽敏霞倩雯璐宁"
)
PHONE_PREFIXES = ["138", "139", "158", "159", "137", "135", "188", "186", "151", "153", "177"]


@dataclass
class PersonPlan:
    branch: str
    name: str
    gender: str  # "M" / "F"
    birth_month: dt.date
    department: str
    position: str
    phone: str
    joined_on: dt.date
    probationary: bool
    retired: bool


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
    while True:
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.72 else "")
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def people(today: dt.date) -> list[PersonPlan]:
    """Every demo member, the same on every run (names and dates from a fixed seed)."""
    rng = random.Random(PEOPLE_SEED)
    taken = {name for plan in BRANCHES for name, _unit in plan.representatives}
    result: list[PersonPlan] = []
    for plan in BRANCHES:
        for index in range(plan.size):
            department = plan.departments[index % len(plan.departments)]
            gender = "M" if rng.random() < 0.56 else "F"
            name = _name(rng, gender, taken)
            head, deputy = HEADS.get(department, ("科长", "副科长"))
            if index < len(plan.departments):
                position = head
            elif index < 2 * len(plan.departments):
                position = deputy
            else:
                position = rng.choice(STAFF.get(department, DEFAULT_STAFF))
            retired = index in (plan.size - 1, plan.size - 4) and plan.code in ("zb1", "zb3")
            probationary = index == plan.size - 2
            if retired:
                birth_year = rng.randint(1956, 1962)
                position = "退休干部"
            elif probationary:
                birth_year = rng.randint(1996, 2000)
                position = "科员"
            elif index < 2 * len(plan.departments):
                birth_year = rng.randint(1968, 1984)
            else:
                birth_year = rng.randint(1970, 1998)
            birth = dt.date(birth_year, rng.randint(1, 12), 1)
            if probationary:
                joined = today - dt.timedelta(days=rng.randint(60, 320))
            else:
                year = min(birth_year + rng.randint(21, 30), today.year - 2)
                joined = dt.date(year, rng.choice([1, 3, 5, 6, 7, 9, 10, 12]), rng.randint(1, 28))
            result.append(
                PersonPlan(
                    branch=plan.code,
                    name=name,
                    gender=gender,
                    birth_month=birth,
                    department=department,
                    position=position,
                    phone=_phone(rng),
                    joined_on=joined,
                    probationary=probationary,
                    retired=retired,
                )
            )
    return result


# What members did, by dedication category: written as a recorder would.
REASONS = {
    "ecology": [
        "参加蒙山森林防火志愿服务",
        "参与龟蒙景区古树名木普查登记",
        "参加沂蒙山世界地质公园地质遗迹巡查",
        "参与汛期地质灾害隐患点排查",
        "参加春季植树造林义务劳动",
        "参与蒙山野生动植物资源监测",
    ],
    "planning": [
        "参与编制地质公园总体规划修编材料",
        "完成景区游步道改造项目前期调研",
        "参与世界地质公园再评估迎检材料整理",
        "牵头起草年度重点项目推进方案",
    ],
    "supervision": [
        "参加景区安全生产专项检查",
        "参与地质遗迹保护区违规建设排查",
        "参加节假日景区秩序督导检查",
        "参与项目资金使用情况专项检查",
    ],
    "publicity": [
        "撰写地质公园科普文章一篇",
        "在市级以上媒体发表宣传稿件",
        "参与“地球日”主题科普宣传活动",
        "承担外宾考察团讲解接待任务",
        "制作地质公园宣传短视频",
        "撰写工作信息被市级采用",
    ],
    "research": [
        "参与蒙山岩体年代学研究课题",
        "撰写地质遗迹保护学术论文",
        "完成地质标本采集与整理",
        "参与科普研学课程研发",
    ],
    "support": [
        "加班完成年度财务决算工作",
        "保障重大接待活动后勤服务",
        "完成办公区域安全隐患整改",
        "承担节假日值班值守任务",
    ],
    "investment": [
        "参与“三引一促”项目洽谈对接",
        "协助引进文旅项目考察接待",
    ],
    "volunteer": [
        "参加景区文明旅游志愿服务",
        "参加社区“双报到”志愿服务",
        "参加无偿献血",
        "参加“学雷锋”志愿服务活动",
    ],
    "learning": [
        "参加党史学习教育专题读书班",
        "在支部学习会上作交流发言",
        "完成“灯塔—党建在线”学习任务",
        "撰写心得体会被局机关党委采用",
    ],
    "rural": [
        "到包扶村开展乡村振兴帮扶走访",
        "协助包扶村发展林下经济项目",
        "参与乡村振兴产业调研",
    ],
    "double_report": [
        "到报到社区参加环境整治活动",
        "参加社区疫情防控志愿服务",
        "到报到社区开展政策宣讲",
    ],
    "civility": [
        "参与文明单位创建资料整理",
        "参加文明城市创建交通劝导",
        "参加“文明餐桌”宣传活动",
    ],
    "other": [
        "获局表彰“优秀志愿者”",
        "协助完成全局重点工作任务",
    ],
}
# How often each category is recorded, before the department's own line is favoured.
CATEGORY_WEIGHTS = {
    "ecology": 8,
    "planning": 4,
    "supervision": 4,
    "publicity": 8,
    "research": 3,
    "support": 5,
    "investment": 1,
    "volunteer": 10,
    "learning": 10,
    "rural": 3,
    "double_report": 4,
    "civility": 4,
    "other": 2,
}
EVIDENCE = ["", "", "活动照片3张", "签到表", "活动照片2张、签到表", "稿件截图", "工作记录"]

# (item code, points subtracted, reason)
DEDUCTIONS = [
    ("deduction.study", "1", "未按时参加支部集体学习"),
    ("deduction.study", "1", "无故缺席理论学习会议一次"),
    ("deduction.meeting_or_dues", "2", "无故缺席主题党日活动"),
    ("deduction.meeting_or_dues", "2", "未按时交纳党费"),
    ("deduction.conduct", "5", "工作时间饮酒，造成不良影响"),
]
# (item code, adjustment, reason)
BASE_ADJUSTMENTS = [
    ("base.1", "-2", "无故缺席支部组织生活会一次"),
    ("base.2", "-3", "年度重点工作任务完成滞后，经支部研究扣减"),
    ("base.3", "-2", "党费交纳不及时"),
    ("base.4", "-1", "在公共场合言行不当，经批评教育已改正"),
]
REVERSAL_REASONS = ["重复登记，予以冲销", "经核实未实际参加该项活动，撤销积分"]
VETO_FACTS = "无正当理由未完成年度地质遗迹监测工作计划，经支部委员会研究决定实行一票否决。"

# Each branch sets its own rules (plan: "由各支部结合实际集体研究确定").
CATEGORY_CAPS: dict[str, dict[str, str]] = {
    "zb1": {"volunteer": "10", "learning": "8"},
    "zb3": {"publicity": "12"},
}
ITEM_CAPS: dict[str, dict[str, dict[str, str]]] = {
    "zb1": {"dedication.volunteer": {"cap_month": "3"}},
    "zb2": {"dedication.ecology": {"cap_year": "20"}},
}
BRANCH_ITEMS: dict[str, list[dict[str, Any]]] = {
    "zb2": [
        {
            "section": "dedication",
            "category": "ecology",
            "name": "参加蒙山森林防火巡查",
            "label": "参加蒙山森林防火巡查",
            "points_kind": "fixed",
            "points": "1",
            "cap_month": "4",
        },
    ],
    "zb4": [
        {
            "section": "dedication",
            "category": "research",
            "name": "发表科研论文",
            "label": "发表科研论文",
            "points_kind": "range",
            "points_min": "2",
            "points_max": "5",
            "evidence_required": True,
        },
        {
            "section": "dedication",
            "category": "research",
            "name": "获批科研项目",
            "label": "获批科研项目",
            "points_kind": "levels",
            "levels": [{"name": "省级", "points": "5"}, {"name": "市级", "points": "3"}],
            "evidence_required": True,
        },
    ],
    "jszzb1": [
        {
            "section": "dedication",
            "category": "publicity",
            "name": "开展地质科普讲解",
            "label": "开展地质科普讲解",
            "points_kind": "fixed",
            "points": "0.5",
            "cap_month": "3",
        },
    ],
}

# Organisational life: the one or two unexcused absences of the year
# ((branch, month, meeting kind) -> index of the attendance row), and late dues
# (branch, month, index of the member).
ABSENCES = {("zb3", 5, "theme_day"): 9, ("jszzb1", 9, "party_lecture"): 14}
LATE_DUES = [("zb2", 4, 17), ("zb4", 8, 12)]
