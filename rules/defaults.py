"""The template scheme: attachment 2's rows with the defaults of DESIGN.md §2.

Names and labels are the form's own Chinese text (data, not interface strings):
card import matches rows by these labels.
"""

from decimal import Decimal

D = Decimal

# (name, label, maximum)
BASE_ITEMS = [
    ("组织活动", "组织活动", D(30)),
    ("履职尽责", "履职尽责", D(30)),
    ("交纳党费", "交纳党费", D(20)),
    ("恪守四德", "恪守四德", D(10)),
    ("其他表现", "其他表现", D(10)),
]

# (category code, name and label on the card)
DEDICATION_ITEMS = [
    ("ecology", "生态保护"),
    ("planning", "规划发展"),
    ("supervision", "监督检查"),
    ("publicity", "宣传交流"),
    ("research", "科学研究"),
    ("support", "综合保障"),
    ("investment", "三引一促"),
    ("volunteer", "志愿服务"),
    ("learning", "学习教育"),
    ("rural", "乡村振兴"),
    ("double_report", "“双报到”"),
    ("civility", "文明创建"),
    ("other", "其他奉献"),
]
DEDICATION_RANGE = (D("0.5"), D("5"))

# (code, short name, label on the card, points per occurrence or a range)
DEDUCTION_ITEMS = [
    ("study", "不按时参加集体学习", "不按时参加集体学习每次计", D(1)),
    (
        "meeting_or_dues",
        "不按时参加组织生活或交纳党费",
        "不按时参加组织生活或交纳党费的每次计",
        D(2),
    ),
    ("conduct", "品德行为不端", "有品德行为不端的每次计", D(5)),
    ("harm", "侵害群众利益", "有侵害群众利益行为的每次计", D(5)),
    ("other", "其它扣分", "其它扣分由支部研究决定每次计", (D(1), D(10))),
]
