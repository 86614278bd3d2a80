"""What a question asks for: the kind of answer, the attribute asked about, and the constraints an answer must meet.

`2023年澳网男单冠军是谁？` wants a person (kind "who"), asks about 冠军 (the focus), about 澳网 (the subject) in
2023 (a year). `双品网购节期间山东全省一共直播了多少场？` wants a number counted in 场, under the qualifiers 全省 and
一共. The answer step checks candidate sentences against these (bot/core/candidates.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.core.followup import pos_tokens
from index.tokenize import STOPWORDS

# Checked in this order; the first that matches gives the kind.
_KINDS = (
    # 第几号 asks a rank (第6号台风), not a date
    (
        "when",
        r"何时|什么时候|什么时间|哪一?天|哪一?年|何年|哪个月|几月|(?<!第)几号|几点|哪日|日期|时间是|多久以前|哪个季度|"
        r"几世纪|哪个?世纪|(?:西元|公元)几年|哪一?个?(?:朝代|时期|朝)|什么(?:朝代|时期)|何朝",
    ),
    ("list", r"哪些|哪几|哪[两三四五六七八九十]"),  # 哪两位, 哪三个国家: several things asked
    (
        "org",
        r"哪一?家|哪一?所|哪一?个(?:公司|机构|组织|部门|单位|企业|银行|媒体|平台|团队|学校|大学|品牌)|什么(?:公司|机构|组织|部门|平台)",
    ),
    ("who", r"谁|哪一?位|哪一?个人|什么人|哪一?名|哪国人"),
    (
        "where",
        r"哪里|哪儿|在哪|何地|何处|什么地方|什么位置|哪[一个]个?(?:城市|省|国家|地区|地方|港口|县|区|市|村|镇|岛屿?|山脉?|河流?|湖泊?|海域|州|机场|车站)|哪座|哪国|哪省|"
        r"哪城市|哪处",
    ),
    (
        "number",
        # 几集, 几枚: 几 and a measure word (几乎, 几何, 这几年 are not)
        r"多少|几大[类项]?|(?<![这近那])几(?![乎何率])[\u4e00-\u9fff]|"
        r"多[大高长久远重厚宽深快]|第几|"
        # a rate named asks for a number, unless the question asks which thing has it (哪一种米的比例最多)
        r"^(?!.*(?:哪|什么)).*?(?:比例|百分之|占比|增速|增幅|涨幅)",
    ),
    (
        "what",
        r"什么|何种|哪一?[个种项款类级届艘件部条支只份场门段版篇期轮批套]|哪一?科目|哪方面|怎样的|是啥|叫啥|^何谓",
    ),
)
# A price or sum asked: the word for it right before or after 多少 (价格是多少, 多少资金), not anywhere in the question
# (出售多少小麦以平抑食品价格 asks a quantity of wheat).
_PRICE_ASKED = re.compile(
    r"花了?多少|(?:金额|价格?|售价|资金|罚款?|被罚了?|[^消]费用?|投资额?|造价|善款|捐款)(?:是|为|要|约|达|共)?多少|"
    r"多少(?:资金|价格|价钱|金额|费用|善款|捐款)"
)
_KIND_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in _KINDS)
# 总经理叫什么, 导演的名字是什么: what a person in a role is called is a person's name.
_ROLES = (
    r"(?:主席|总统|总理|首相|部长|局长|厅长|市长|省长|县长|书记|董事长|总裁|CEO|创始人|总经理|经理|主任|院长|校长|教练|"
    r"导演|主持人|发言人|负责人|队长|作者|冠军|得主|法定代表人|掌门人|父亲|母亲|妻子|丈夫|儿子|女儿|继任者|前任)"
)
_ROLE_NAME = re.compile(_ROLES + r"(?:的)?(?:名字|姓名)?(?:是|叫)(?:什么|啥)")
# The posts whose holder a 谁 question may ask for (南京银行江都支行的行长是谁, 谁担任百胜中国首席执行官): a sentence
# that never names the post says nothing of who holds it. Heads of any body end in 长 (行长, 院长, 局长, 校长);
# 局局长 and 医院院长 hold theirs.
_HELD_POST = re.compile(
    r"董事长|董事局主席|理事长|秘书长|首席执行官|执行官|CEO|总裁|总经理|经理|总监|主席|总统|总理|首相|书记|主任|"
    r"[行院局厅部校县市省区镇乡村社所处科团会站队]长|指挥员|指挥官|导演|主演|编剧|作曲|作词|制片人|创始人|负责人|"
    r"发言人|主持人|冠军|得主|教练|法定代表人",
    re.IGNORECASE,
)
# Names of one post: a text that says CEO names the 首席执行官 asked.
_POST_NAMES = (("首席执行官", "执行官", "ceo"), ("董事长", "董事局主席"))
# 金正恩的母亲为? 公司的创始人是?: a role asked with no question word at all, the way quiz questions end.
_ROLE_ENDING = re.compile(_ROLES + r"(?:是|为)$")
# A question that asks how much something grew wants a rate; one that asks how many 场 wants a count in 场.
# 降 alone would read 降雨量 (a rainfall, in 毫米) as a fall; a fall is 下降, 降了, 降幅, 降低, 降至.
# A change asked "to" a level (降到, 增至, 提高到) asks the level, not the rate: 投融资规模降到了多少 wants 264亿元,
# not 下降11%. A level of a rate (通胀率降到了多少) is still a rate, by its 率.
_TO_LEVEL = r"(?![到至])"
_SHARE_ASKED = r"占(?!地)[^，。？?]{0,15}(?:多少|几成|百分之几)"  # 占总人口的多少: a share, not a head count
_RATE = re.compile(
    rf"增长{_TO_LEVEL}|增速|增幅|涨{_TO_LEVEL}|下降{_TO_LEVEL}|降(?:了|幅|价|低{_TO_LEVEL})|下滑{_TO_LEVEL}|"
    rf"下跌{_TO_LEVEL}|跌幅|跌了|提升{_TO_LEVEL}|提高{_TO_LEVEL}|比例|占比|百分|率|份额|同比|环比|{_SHARE_ASKED}"
)
_SHARE = re.compile(_SHARE_ASKED)
_AMOUNT = re.compile(r"额|规模|收入|营收|金额|总值|总量|产值|产量|销量|成交|利润|资金|gmv|GDP", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"(?:多少|几(?![乎何率]))([\u4e00-\u9fff%]{1,2})")
MEASURE_WORDS = (
    "个位名家次种项条天年岁倍成层艘架场人元亿万件款台辆套所只批份座吨斤米公里平方户例起单篇部支票分秒小时周月瓦克升帧"
    "集届轮枚颗匹栋张册棵株箱瓶杯袋剂粒"
)
# Characters of MEASURE_WORDS that measure nothing alone (公 of 公里, 小 of 小时): 多少小麦 asks no unit.
_NOT_ALONE = "公小"
# Units of two characters whose first character alone would read as another unit or none (英寸, not 英).
TWO_CHARACTER_UNITS = (
    "英寸", "公里", "公斤", "千克", "千米", "千瓦", "毫安", "赫兹", "小时", "分钟", "人次", "平方", "毫米", "厘米"
)
_QUALIFIERS = re.compile(
    r"全[省市国球县区网年]|一共|总共|累计|合计|共计|总计|首日|首周|首月|首年|当日|当天|首次|首个|首批|首家|"
    r"第[一二三四1-4]季度|[一二三四1-4]季度|上半年|下半年|前三季度|全年|同比|环比|日均|平均|人均|最高|最低|最多|最少|"
    r"最大|最小|第[一二三四五六七八九十\d]+|单日|每年|每天|以来|男子|女子|男单|女单|男双|女双|男篮|女篮|男足|女足"
)
# The unit an attribute is measured in, when the question names the attribute and not the unit: 重量是多少
# wants a weight (克, kg, 斤), 充满要多久 a duration, 续航多少 a distance.
_ATTRIBUTE_UNITS = tuple(
    (re.compile(pattern), unit)
    for pattern, unit in (
        (r"重量|体重|净重|多重|有多重|重多少", "克"),
        (r"加速", "秒"),
        (r"多久|多长时间|时长|耗时|用时|工期|周期", "时长"),
        (r"续航|里程|距离|多远|全长|长度|多高|高度|身高|海拔|多深|深度|多宽|宽度", "距离"),
        (r"面积|占地", "平方"),
        (r"功率", "瓦"),
        (r"刷新率|频率", "赫兹"),
        (r"人数", "人"),  # 报名人数, 死亡人数: counted in 人 (万人, 人次), not in 分 or 元
        (r"多大了|多大年纪|年龄|年纪|岁数", "岁"),  # 她今年多大了 asks an age, not her score
    )
)
# A what question that asks for another name (猴面包树的别名是什么, 也叫什么) or what a term means (什么是乙酰胺,
# JAXR是什么): a sentence that gives a name (又名, 简称) or defines the term (X是…, X指…) answers it.
NAME_WORDS = (
    "别名|别称|又名|又叫|也叫|又称|也称|或称|亦称|通称|旧称|古称|又作|亦作|简称|全称|原名|本名|俗称|学名|昵称|绰号|外号|"
    "英文名|中文名"
)
_ALIAS_ASKED = re.compile(NAME_WORDS + "|还叫|称为什么|称作什么|叫什么")
_DEFINITION_ASKED = re.compile(
    r"^(?:请问)?(?:什么是|什么叫|何谓)(?P<after>[^的，,？?]{1,20})[？?]?$|"
    r"^(?P<before>[^的，,？?]{1,20}?)(?:的(?:定义|含义|概念)是|是|是指|指的是|是一种|是一个)(?:什么|啥)(?:意思|东西)?[？?]?$|"
    r"^(?P<quiz>[^的，,？?]{1,20}?)的(?:定义|含义|概念)(?:是|为)?[？?]?$"  # 区域研究的定义是? as quizzes end
)
# Quotes and brackets around a term asked to be defined (什么是“乡里制”？): the text may name it bare.
_TERM_MARKS = "“”\"'‘’「」『』《》〈〉【】()（） "


def _defined_term(definition: re.Match | None) -> str | None:
    """The term a definition question asks about, lowered, without the quotes around it."""
    if definition is None:
        return None
    return next(d for d in definition.groups() if d).strip(_TERM_MARKS).lower() or None


# A where question with no verb after its question word asks where a thing lies (博物馆在哪？, 位于哪里).
_WHERE_IS = re.compile(r"(?:在|位于)(?:哪里|哪儿|哪|何处|何地|什么地方|什么位置)[？?]?$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年|\D|$)")
RELATIVE_YEARS = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}
# A birth or a death as a text states it (a question asks in fewer words: _LIFE_EVENTS_ASKED); a lifespan
# (1902年8月8日－1984年10月20日) states both. Words for a death are many (死去, 卒, 薨, 阵亡…), so a text states one
# on any of their characters: the rule that needs one (candidates._event_absent) errs toward answering.
LIFE_EVENTS = {
    "birth": re.compile(r"出生|生于|年生|生人|诞生|出世|降生|生日"),
    "death": re.compile(r"去世|逝|辞世|过世|离世|死|亡|身故|病故|遇害|遇难|牺牲|殉|卒|薨|崩|圆寂|就义|被杀|处决"),
}
# A question asks for a person's birth or death only in the words for those: 发生于 holds 生于, a dynasty's 灭亡
# and a market's 崩盘 are no deaths, and a society or an instrument 诞生 when it is founded or made.
_LIFE_EVENTS_ASKED = {
    "birth": re.compile(r"出生|(?<![发产衍派滋])生于|生日|降生|出世|哪一?年生"),
    "death": re.compile(r"去世|逝世|辞世|过世|离世|死|身故|病故|遇害|遇难|牺牲|殉|卒|薨|驾崩|圆寂|就义|被杀|处决"),
}
LIFESPAN = re.compile(r"\d{3,4} ?年[^，。；]{0,10}[－—–\-~～至](?:[^，。；]{0,4}\d{3,4} ?年|\s*[）)])")
_RELATIVE_YEAR = re.compile("|".join(RELATIVE_YEARS))
_ORDINAL_ASKED = re.compile(r"第几|排名多少|排多少位|排在多少")
_MONTH = re.compile(r"(?<!\d)(1[0-2]|[1-9])月")
_DAY_IN_MONTH_ASKED = re.compile(r"(?<!\d)(1[0-2]|[1-9])月份?的?(?:具体)?(?:哪一?天|哪日|几号|几日)")
# Not after a digit, a hyphen or a Latin letter: the 号 of a model number (月球-26号, A320号) is no day.
NOT_A_MODEL_NUMBER = r"(?<![\d\-－—A-Za-z])"
# A day of the month (8月6日, 6日, 6号).
_DAY = re.compile(NOT_A_MODEL_NUMBER + r"(?:(?:1[0-2]|[1-9]) ?月 ?)?([1-9]|[12]\d|3[01]) ?[日号]")
_NAME_FLAGS = ("nr", "ns", "nt", "nrt", "nrfg", "eng")
_SUBJECT_FLAGS = ("nr", "ns", "nt", "nz", "eng", "j", "nrt", "nrfg")
# Words next to the question word that say nothing of what is asked (产能要达到多少: the focus is 产能, not 要).
_FOCUS_SKIP = frozenset(
    "是 的 为 成 了 有 在 于 到 至 被 把 将 又 都 也 最 共 一共 总共 共有 达到 达 约 其 还 已 会 叫 "
    "要 能 可 可以 应 应该 需要 想 得".split()
)
# The words that ask (not content): the focus sits right before or after them.
_ASK_WORDS = re.compile(
    r"多少钱?|几[个天倍项成条家次年月号日位名款种场人]?|哪[一]?[年天个家些里座位款种国省]?|哪儿|什么时候|什么|谁|何时|何地|"
    r"如何|怎么样?|为什么|为何|是否|吗"
)


@dataclass(frozen=True)
class Analysis:
    """The question as the answer step reads it."""

    kind: str  # who, org, where, when, number, list, what, other
    unit: str | None  # the measure word or unit asked for ("场", "%", "元" for any currency, "amount" for a sum
    # that a rate does not answer; for when questions "年"/"日"/"时"); None if not stated
    rate: bool  # a number question about growth, share or rate (a % or 倍 answers it)
    focus: tuple[str, ...]  # the word(s) next to the question word: the attribute asked about (冠军, 导演)
    subjects: tuple[str, ...]  # named things the answer must be about (快手, 澳网, MU5735)
    years: tuple[str, ...]
    months: tuple[str, ...]
    days: tuple[str, ...]  # days of the month named (截至8月6日 -> "6"): a figure as of another day does not answer
    qualifiers: tuple[str, ...]  # 全省, 一共, 首日, 第一季度 ...
    relative_years: tuple[int, ...] = ()  # 今年 0, 去年 -1: years counted from the article's own
    wants_alias: bool = False  # a what question asking for another name (别名, 简称, 叫什么)
    describes: bool = False  # asks for a description (有什么特点, 为什么, 如何回应): answered with a passage
    defined: str | None = None  # the term a definition question asks about (什么是乙酰胺 -> 乙酰胺), lowered
    life_event: str | None = None  # a 何时 asked of a birth or a death ("birth", "death"): LIFE_EVENTS
    day_in_month: str | None = None  # the month of a day asked (10月哪一天 -> "10"): a date in another month is not it
    posts: tuple[tuple[str, ...], ...] = ()  # the posts a 谁 question asks the holder of, each with its other names
    # (行长 -> ("行长",); CEO -> ("首席执行官", "执行官", "ceo")), lowered
    words: tuple[str, ...] = ()  # the question's content words as jieba cuts them (大阪, 年费, 出生), lowered

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "rate": self.rate,
            "focus": list(self.focus),
            "subjects": list(self.subjects),
            "years": list(self.years),
            "qualifiers": list(self.qualifiers),
            **({"wants_alias": True} if self.wants_alias else {}),
            **({"defined": self.defined} if self.defined else {}),
            **({"life_event": self.life_event} if self.life_event else {}),
            **({"day_in_month": self.day_in_month} if self.day_in_month else {}),
            **({"posts": [names[0] for names in self.posts]} if self.posts else {}),
        }


# A query typed the way one types into a search box, with no question word, that ends in a measure (2022年高考报名人数,
# 山东网络零售额) asks for that number, as 2022年高考报名人数是多少 would.
_MEASURE_ENDING = re.compile(
    r"(?:人数|人口|数量|规模|额|营收|收入|利润|销量|产量|增速|增幅|涨幅|率|占比|价格|票价|票房|市值|估值|"
    r"总值|产值|GDP)$",  # matched on the question with its end's spaces and question mark stripped
    re.IGNORECASE,
)


# A question that asks for a description rather than a name or a figure: its answer is a few sentences.
_DESCRIPTION_ASKED = re.compile(
    r"特点|特征|特色|区别|分别|不同|差异|原因|为什么|为何|怎么|怎样|如何|经历|情节|内容|过程|经过|观点|看法|影响|"
    r"作用|意义|评价|回应|反应|表现|变化|有何"
)


def question_kind(question: str) -> str:
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return "who" if kind == "what" and _ROLE_NAME.search(question) else kind
    if _ROLE_ENDING.search(question.rstrip("？? \t\n")):
        return "who"
    return "what" if _DEFINITION_ASKED.search(question.strip()) else "other"


@lru_cache(maxsize=4096)
def analyse(question: str) -> Analysis:
    kind = question_kind(question)
    bare = question.rstrip("？? \t\n")
    if kind == "other" and _MEASURE_ENDING.search(bare):  # 高考报名人数: read as 高考报名人数是多少
        return analyse(bare + "是多少")
    unit = None
    rate = False
    if kind == "number":
        match = _UNIT_AFTER.search(question)
        if _ORDINAL_ASKED.search(question):
            unit = "第"  # 排第几: a rank (第二, 榜首) answers it, not a count
        elif match and match.group(1) == "时间":
            unit = "时长"  # 花费多少时间: a duration (两小时, 三个月), not a price, nor a clock time in 时
        elif (
            match
            and match.group(1)[0] == "钱"
            or _PRICE_ASKED.search(question)
        ):
            unit = "元"  # 多少钱, 年费多少: any currency answers it
        elif match and match.group(1) in TWO_CHARACTER_UNITS:
            unit = match.group(1)
        elif match and match.group(1)[0] in MEASURE_WORDS + "%" and match.group(1)[0] not in _NOT_ALONE:
            unit = match.group(1)[0] if match.group(1)[0] not in "亿万" else match.group(1)
        if unit is None and not _SHARE.search(question):
            unit = next((u for pattern, u in _ATTRIBUTE_UNITS if pattern.search(question)), None)
        rate = bool(_RATE.search(question)) and unit in (None, "%", "倍", "成")
        if unit is None and not rate and _AMOUNT.search(question):
            unit = "amount"  # 零售额多少, 交易规模达到多少: an amount, which a growth rate does not answer
    elif kind == "when":
        if re.search(r"哪一?年|何年|几几年|什么年份|(?:西元|公元)几年", question):
            unit = "年"
        elif re.search(r"几点|什么时间|几时", question):
            unit = "时"
        elif re.search(r"哪一?天|几号|几月几[日号]|哪日|日期", question):
            unit = "日"
    tokens = pos_tokens(question)
    focus = _focus(question, tokens)
    if kind == "where" and _WHERE_IS.search(question) and "位于" not in focus:
        focus += ("位于",)  # 博物馆在哪？ asks where it lies: 位于…
    qualifiers = tuple(dict.fromkeys(m.group(0) for m in _QUALIFIERS.finditer(question)))
    subjects = tuple(s for s in _subjects(tokens) if s not in focus and not any(s in q for q in qualifiers))
    definition = _DEFINITION_ASKED.search(question.strip()) if kind == "what" else None
    return Analysis(
        kind=kind,
        unit=unit,
        rate=rate,
        focus=focus,
        subjects=subjects,
        years=tuple(dict.fromkeys(_YEAR.findall(question))),
        months=tuple(dict.fromkeys(_MONTH.findall(question))),
        days=tuple(dict.fromkeys(_DAY.findall(question))),
        qualifiers=qualifiers,
        relative_years=tuple(dict.fromkeys(RELATIVE_YEARS[m] for m in _RELATIVE_YEAR.findall(question))),
        wants_alias=kind == "what" and bool(_ALIAS_ASKED.search(question)),
        describes=kind in ("what", "other", "list") and bool(_DESCRIPTION_ASKED.search(question)),
        defined=_defined_term(definition),
        words=_content_words(tokens),
        life_event=_life_event(question) if kind == "when" else None,
        day_in_month=(asked.group(1) if (asked := _DAY_IN_MONTH_ASKED.search(question)) else None),
        posts=_posts_asked(question) if kind == "who" else (),
    )


def _posts_asked(question: str) -> tuple[tuple[str, ...], ...]:
    """The posts named in a 谁 question, each with the other names a text may give it."""
    posts = dict.fromkeys(m.group(0).lower() for m in _HELD_POST.finditer(question))
    return tuple(next((names for names in _POST_NAMES if post in names), (post,)) for post in posts)


def _life_event(question: str) -> str | None:
    return next((event for event, asked in _LIFE_EVENTS_ASKED.items() if asked.search(question)), None)


# Word classes that carry no content of their own: punctuation, numerals, pronouns, prepositions, conjunctions,
# adverbs, particles, interjections.
_FUNCTION_FLAGS = ("x", "m", "r", "p", "c", "d", "u", "y", "e", "o", "q")


def _content_words(tokens: list[tuple[str, str]]) -> tuple[str, ...]:
    """The words a sentence that answers would hold too: two or more characters, not asking, not function words."""
    found = []
    for word, flag in tokens:
        if len(word) < 2 or word.isdigit() or word in STOPWORDS or _ASK_WORDS.fullmatch(word):
            continue
        if flag.startswith(_FUNCTION_FLAGS) and flag not in ("eng",):
            continue
        found.append(word.lower())
    return tuple(dict.fromkeys(found))


_JOINED_BEFORE = re.compile(r"^[和与及由从在被对把将]")  # not 向, a common surname
_AREA_AFTER = re.compile(r"(?<=..)(?:地区|一带)$")


def _locative_misread(tokens: list[tuple[str, str]], i: int) -> bool:
    """An abbreviation jieba read out of a locative 中 and the word after it (案件中共面临: 案件中 + 共, a total,
    read as 中共): it opens with 中, follows a noun or verb and comes before a verb."""
    word, flag = tokens[i]
    return (
        flag == "j" and word.startswith("中") and 0 < i < len(tokens) - 1
        and tokens[i - 1][1][:1] in "nv" and tokens[i + 1][1][:1] == "v"
    )


def _subjects(tokens: list[tuple[str, str]]) -> tuple[str, ...]:
    """Named things in the question: jieba's name/place/organisation/brand tags and Latin words (MU5735)."""
    found = []
    previous = ""
    for i, (word, flag) in enumerate(tokens):
        after_digit, previous = previous[-1:].isdigit(), word
        if _locative_misread(tokens, i):
            continue
        if len(word) < 2 and (not word.isascii() or after_digit):  # the G of 5G is no name
            continue
        if word.isdigit() or _ASK_WORDS.fullmatch(word) or word in ("多少钱", "多少", "什么"):
            continue
        if flag in _SUBJECT_FLAGS or (word.isascii() and word.isalnum() and len(word) >= 2):
            # jieba may tag a name with the word before it (宏碁和浩汉: 和浩汉/nr, 由威廉二世: 由威廉/nr), or with a
            # word for its kind of area (青海地区): the name is what the text will hold
            if len(word) >= 3:
                word = _AREA_AFTER.sub("", _JOINED_BEFORE.sub("", word) if flag.startswith("nr") else word)
            found.append(word.lower())
    return tuple(dict.fromkeys(found))


# Measures that do not say what they measure (人数 of what? 报名人数, 死亡人数): asked about, the word before
# them is part of the attribute, so that 死亡人数 does not answer 高考报名人数.
_BARE_MEASURES = frozenset("人数 人次 数量 次数 场次 总数 数目 金额 总额 规模 收入 比例".split())


def _word_before(spans: list[tuple[int, int, str, str]], word: str) -> str | None:
    """The content word (two characters or more, a noun or verb, not a name) right before the last `word` of
    `spans`, or None."""
    at = max(i for i, (_, _, w, _) in enumerate(spans) if w == word)
    if at == 0:
        return None
    prior, flag = spans[at - 1][2], spans[at - 1][3]
    content = len(prior) >= 2 and flag.startswith(("n", "v")) and prior not in _FOCUS_SKIP
    return prior.lower() if content and flag not in _NAME_FLAGS else None


def _focus(question: str, tokens: list[tuple[str, str]]) -> tuple[str, ...]:
    """The content words next to the question word: the noun before it (冠军是谁 -> 冠军) and, for where/when,
    the verb after it (在哪里举行 -> 举行)."""
    ask = _ASK_WORDS.search(question)
    if not ask:
        return ()
    spans, cursor = [], 0
    for word, flag in tokens:
        spans.append((cursor, cursor + len(word), word, flag))
        cursor += len(word)
    before = [s for s in spans if s[1] <= ask.start()]
    after = [s for s in spans if s[0] >= ask.end()]
    focus = []
    # The focus stands next to the question word: once a one-character word that is no function word lies between
    # (以 of 蓝线裸顶鲷以什么为食), what comes before it is the subject, cut up by jieba (蓝线/裸/顶), not the focus.
    passed = False
    for _, _, word, flag in reversed(before):
        if word in _FOCUS_SKIP or not word.strip() or flag == "x":
            continue
        if passed:
            break
        if len(word) == 1 and flag != "v":  # a lone verb right before the question word is one: 卖了多少钱
            passed = True
            continue
        if flag.startswith(("n", "v", "a")) or flag in ("eng", "j", "l", "i"):
            focus.append(word)
            if word in _BARE_MEASURES:  # 报名人数, 直播场次: the word before says what is counted
                modifier = _word_before(before, word)
                if modifier:
                    focus.append(modifier)
        break
    counted = False  # past a measure word: 多少个5G基站, 多少枚“海马斯”火箭弹 count the noun at the end
    for _, _, word, flag in after:
        counted = counted or flag in ("m", "q")
        if word in _FOCUS_SKIP or flag in ("x", "m", "q") or (counted and (flag in _NAME_FLAGS or len(word) == 1)):
            continue  # a name there stays a subject, and the letter of 5G is no focus
        if flag.startswith(("n", "v")) or flag == "t" and not re.search(r"\d|[今去明前]年|[今昨明]天", word):
            if len(word) >= 2:  # 哪年去世: jieba tags 去世 as a time word
                focus.append(word)
        break
    return tuple(w.lower() for w in focus)
