"""Unit tests of the intricate pieces, with no model: matching units, answer spans and neighbours, chunk
offsets, rank fusion and date filters."""

from __future__ import annotations

import pytest

from bot.core.answer import MAX_ANSWER_CHARS, _answer_spans, _with_neighbours
from index.chunking import Chunker, ChunkingSettings
from index.dates import DateRange
from index.documents import Document
from index.search import reciprocal_rank_fusion
from index.sentences import split_sentences
from index.terms import question_units, units

# --- matching units ------------------------------------------------------------------------------------


def test_units_are_bigrams_of_chinese_runs_and_whole_latin_words():
    assert units("快手电商") == {"快手", "手电", "电商"}
    assert units("GMV增长15.5%") == {"gmv", "增长", "15.5%"}
    assert units("快") == {"快"}


def test_question_words_never_become_units():
    found = question_units("快手2022扶持多少快品牌？", known=lambda unit: True)
    assert "多少" not in found and "少快" not in found
    assert {"快手", "2022", "扶持", "品牌"} <= set(found)


def test_a_stranded_character_joins_its_neighbour_only_if_the_corpus_knows_the_pair():
    # jieba cuts 快手电商 apart; the bigram across the cut counts only when some passage holds it.
    known_pairs = {"快手", "电商"}
    found = question_units("快手电商的定位", known=lambda unit: unit in known_pairs)
    assert "快手" in found and "电商" in found
    nothing_known = question_units("快手电商的定位", known=lambda unit: False)
    assert "快手" not in nothing_known or "手电" not in nothing_known  # no corpus evidence, no invented pair


def test_a_number_s_own_characters_are_not_glued_to_the_words_around_it():
    # jieba reads 2021年销量 as 2021/年销量 and 8月惠誉 as 8/月惠誉: 年销 and 月惠 are in no sentence that answers
    found = question_units("老字号品牌2021年销量增幅是多少？", known=lambda unit: True)
    assert "年销" not in found and {"2021", "销量", "增幅"} <= set(found)
    assert "月惠" not in question_units("2023年8月惠誉将美国的信用评级下调至什么等级？", known=lambda unit: True)
    assert "号线" in question_units("苏州轨交11号线的总投资是多少？", known=lambda unit: True)  # 号 is no date here
    ranked = question_units("2023年财富中国500强营收第一是谁？", known=lambda unit: True)
    assert "强营" not in ranked and "营收" in ranked  # the 强 of 500强
    edition = question_units("成都第31届世界大学生夏季运动会延期了多久？", known=lambda unit: True)
    assert not {"都第", "届世", "多久"} & set(edition) and {"成都", "31", "世界"} <= set(edition)


def test_each_unit_appears_once_in_question_order():
    found = question_units("抖音电商和快手电商谁的电商GMV更高", known=lambda unit: True)
    assert len(found) == len(set(found))
    assert found.index("抖音") < found.index("快手")


# --- answer spans and neighbours -------------------------------------------------------------------------

LONG_SENTENCE = "，".join(f"第{i}个分句讲述了一件与电商平台扶持商家有关的事情" for i in range(12)) + "。"


def test_a_short_sentence_is_its_own_span():
    text = "快手电商扶持500个品牌。"
    assert _answer_spans(text, 0, len(text)) == [(0, len(text))]


def test_a_long_sentence_competes_as_runs_of_clauses_within_the_limit():
    spans = _answer_spans(LONG_SENTENCE, 0, len(LONG_SENTENCE))
    assert len(spans) > 1
    assert all(end - start <= MAX_ANSWER_CHARS for start, end in spans)
    assert spans[0][0] == 0 and max(end for _, end in spans) == len(LONG_SENTENCE)
    # each run starts on a clause boundary
    assert all(start == 0 or LONG_SENTENCE[start - 1] == "，" for start, _ in spans)


def test_an_answer_that_points_back_takes_the_sentence_before():
    text = (
        "抖音电商发布了国货报告。"
        "其中，国货销量同比增长667%，远超行业水平，这一数字令人瞩目并引发了广泛的关注和讨论。"
    )
    second = text.index("其中")
    start, end = _with_neighbours(text, second, len(text))
    assert start == 0 and end == len(text)


def test_an_answer_that_opens_on_what_came_before_shows_the_sentence_it_follows_from():
    # 在此背景下, 由此, 于是: the cause or the occasion is in the sentence before, which a 背景/为什么 asks for
    before = "1791年，美国联邦政府助理财政部长投机案发生，许多纽约市民遭到财产损失。"
    for opener in ("在此背景下，", "由此，", "于是，"):
        text = before + opener + "各家经纪商决定通过协商的方式制定公共管理条例。"
        assert _with_neighbours(text, len(before), len(text), widen_forward=False) == (0, len(text))


def test_an_answer_timed_only_by_what_came_before_shows_that_sentence():
    # 赛后, 不久: the year a 什么时候 asks for is in the sentence before
    before = "2004年，占旭刚第三次参加奥运会，但在抓举比赛中三次试举全部失败。"
    for opener in ("赛后，", "退役后，", "随后，", "不久，"):
        text = before + opener + "占旭刚正式结束运动生涯，着手行政工作。"
        assert _with_neighbours(text, len(before), len(text), widen_forward=False) == (0, len(text))
    for alone in ("占旭刚在赛场上正式结束运动生涯，着手行政工作。", "今后，占旭刚将着手行政工作。"):  # nothing before
        assert _with_neighbours(before + alone, len(before), len(before + alone), widen_forward=False)[0] == len(before)


def test_a_clause_window_that_opens_on_a_cause_shows_the_clause_it_follows_from():
    # a long sentence is answered by a window of its clauses; 因此… needs the 由于… clause before it
    sentence = (
        "《赌城谍血》、《皇家赌场》（1967年喜剧电影，主角为大卫·尼文）和《巡航导弹》（1983年，主角辛康纳利）"
        "这三出詹姆士·庞德电影在当年的票房和口碑都相当不错，也都有大量观众，" * 2
        + "由于并非由米高梅公司制作，因此并没有列入官方电影列表中。"
    )
    window = sentence.index("因此")
    start, end = _with_neighbours(sentence, window, len(sentence), widen_forward=False)
    assert sentence[start:end] == "由于并非由米高梅公司制作，因此并没有列入官方电影列表中。"
    plain = sentence.index("由于")  # a window that opens on nothing before stays as it is
    assert _with_neighbours(sentence, plain, len(sentence), widen_forward=False) == (plain, len(sentence))


def test_an_answer_pointing_back_past_the_length_limit_keeps_the_clauses_that_fit():
    before = "第四届双品网购节期间，山东实现网络零售额294.1亿元，同比增长12.1%。"
    tail = "，".join(f"第{i}项活动带动了相关品类的销售增长" for i in range(12))
    text = before + "其中，实物网络零售额264.4亿元，同比增长18.4%，" + tail + "。"
    start, end = _with_neighbours(text, len(before), len(text))
    assert start == 0 and "294.1亿元" in text[start:end] and "264.4亿元" in text[start:end]
    assert end - start <= MAX_ANSWER_CHARS


def test_an_answer_that_names_its_year_or_film_only_as_the_one_before_shows_the_one_before():
    before = "1911年，人口普查显示托尔金与弟弟住在伯明翰。"
    text = before + "同年，托尔金到瑞士度过暑假，这次旅行写进了他的书。"
    assert _with_neighbours(text, len(before), len(text), widen_forward=False) == (0, len(text))
    alone = "托尔金到瑞士度过暑假，这次旅行写进了他的书。"  # nothing points back: the sentence alone
    assert _with_neighbours(before + alone, len(before), len(before + alone), widen_forward=False)[0] == len(before)
    long_before = "1911年，" + "人口普查显示托尔金与弟弟住在伯明翰，" * 8 + "他们搬了家。"
    text = long_before + "同年，托尔金到瑞士度过暑假。"  # too long together: the answer's own sentence stays whole
    assert _with_neighbours(text, len(long_before), len(text), widen_forward=False) == (len(long_before), len(text))
    album = "2000年7月7日，乐团推出第二张专辑《爱情万岁》。"
    text = album + "五月天也以这张专辑获得第十二届金曲奖的最佳乐团奖。"  # 这张专辑: the album named before
    assert _with_neighbours(text, len(album), len(text), widen_forward=False) == (0, len(text))
    founding = "秦惠文王更元九年，张仪入蜀灭巴之后，筑江州城。"
    text = founding + "是为史载重庆建城之始。"  # 是为: this was
    assert _with_neighbours(text, len(founding), len(text), widen_forward=False) == (0, len(text))


def test_a_pinned_number_answer_is_not_widened_forward():
    text = "快手电商希望在2022年扶持500+个标杆快品牌。快品牌是新势力商家。"
    first_end = text.index("。") + 1
    assert _with_neighbours(text, 0, first_end, widen_forward=False) == (0, first_end)
    assert _with_neighbours(text, 0, first_end, widen_forward=True)[1] == len(text)


# --- chunk offsets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size,overlap", [(250, 50), (60, 10), (30, 0)])
def test_every_chunk_maps_back_to_the_document_text(size, overlap):
    text = "\n\n".join(
        "。".join(f"第{p}段第{s}句，讲述电商平台在{2020 + s}年的变化" for s in range(8)) + "。" for p in range(5)
    )
    doc = Document("d", "标题", text)
    spans = Chunker(ChunkingSettings(size, overlap)).split(doc)
    assert spans and spans[0][0] == 0
    covered = set()
    for start, end in spans:
        assert 0 <= start < end <= len(text) and end - start <= size
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())  # nothing is lost
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)


def test_repeated_text_gets_the_right_offsets():
    text = "同一句话重复出现。" * 60
    spans = Chunker(ChunkingSettings(40, 10)).split(Document("d", "t", text))
    assert all(text[s:e].strip() for s, e in spans)
    assert spans[-1][1] == len(text)  # later copies map to later offsets, not to the first occurrence


# --- rank fusion -----------------------------------------------------------------------------------------


def test_fusion_rewards_agreement_over_one_high_rank():
    fused = reciprocal_rank_fusion([[1, 2, 3], [2, 4, 1]], k=60)
    assert fused[2] > fused[1] > fused[4]
    assert fused[3] == pytest.approx(1 / 63)
    assert set(fused) == {1, 2, 3, 4}


def test_a_weighted_ranking_counts_for_more():
    fused = reciprocal_rank_fusion([[1, 2], [2, 1]], k=20, weights=(1.0, 2.0))
    assert fused[2] > fused[1]  # first in the heavier ranking beats first in the lighter one
    assert fused[2] == pytest.approx(1 / 22 + 2 / 21)


def test_fusion_of_nothing_is_empty():
    assert reciprocal_rank_fusion([[], []]) == {}


# --- date filters ----------------------------------------------------------------------------------------


def test_date_range_admits_by_day_and_needs_a_date_when_set():
    june = DateRange("2022-06-01", "2022-06-30")
    assert june.admits("2022-06-01T09:00:00+08:00") and june.admits("2022-06-30")
    assert not june.admits("2022-07-01T00:00:00+08:00") and not june.admits(None)
    assert DateRange().admits(None) and not DateRange()


def test_until_filter_keeps_only_older_sources(fake_engine):
    hits = fake_engine.searcher.search("抖音电商国货品牌销量", k=20, dates=DateRange(until="2022-05-31"))
    assert hits and all(h.doc.date[:10] <= "2022-05-31" for h in hits)


def test_a_description_asked_is_answered_with_the_rest_of_its_paragraph_within_the_limit():
    from bot.core.question import analyse

    assert analyse("狭叶艾纳香有什么特征？").describes and not analyse("狭叶艾纳香的别名是什么？").describes
    text = (
        "特征：粗壮、直立高大的亚灌木，株高可达2.5 m以上，茎中空，中部分枝。"
        "叶草质，线形，下部叶长25~35cm，叶浅锯齿缘，上表面被疏毛，下表面被毡毛。"
        "头花腋生及顶生，呈金字塔形的圆锥状排列。心花黄色。\n分布于台湾北部、东部低海拔山区。"
    )
    first_end = text.index("。") + 1
    assert text[slice(*_with_neighbours(text, 0, first_end))].endswith("下表面被毡毛。")  # a name asked: one more
    start, end = _with_neighbours(text, 0, first_end, describes=True)
    assert text[start:end].endswith("心花黄色。")  # the whole paragraph, not the next one
    long_text = text.replace("心花黄色。", "心花黄色，" + "花冠管状，" * 20 + "五裂。")
    start, end = _with_neighbours(long_text, 0, first_end, describes=True)
    assert end - start <= MAX_ANSWER_CHARS and long_text[start:end].endswith("圆锥状排列。")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "他在《CDTV×Sacas！》节目中首次演唱。《你好！李焕英》上映了！好。",  # titles
            ["他在《CDTV×Sacas！》节目中首次演唱。", "《你好！李焕英》上映了！", "好。"],
        ),
        (
            "节目《桃之阵》（桃の阵!）由他主持。又名-{zh-hant:猴面包树;zh-hans:猢狲树;}-、酸瓠树。完。",  # asides
            ["节目《桃之阵》（桃の阵!）由他主持。", "又名-{zh-hant:猴面包树;zh-hans:猢狲树;}-、酸瓠树。", "完。"],
        ),
    ],
)
def test_an_end_mark_inside_a_title_an_aside_or_wiki_markup_ends_no_sentence(text, sentences):
    assert [text[s:e] for s, e in split_sentences(text)] == sentences


def test_widening_back_never_cuts_off_the_number_asked_for():
    before = (
        "原标题：普京：俄罗斯上半年已向非洲供应近1000万吨粮食普京：俄罗斯上半年已向非洲供应近1000万吨粮食郑昊宁"
        "俄罗斯总统弗拉基米尔·普京28日说，俄方正在增加对非洲国家的粮食供应，今年上半年已供应粮食近1000万吨。"
    )
    sentence = (
        "他当天在圣彼得堡出席俄罗斯-非洲峰会全体会议时说，俄方2022年向非洲国家供应1150万吨粮食，"
        "今年仅前六个月就已供应近1000万吨。"
    )
    text = before + sentence
    start = len(before)
    answer = sentence.index("1150万吨")
    # The clauses that fit with the sentence before would stop at 会议时说: the figure asked for goes with the
    # sentence, which then stands alone.
    assert _with_neighbours(text, start, len(text), widen_forward=False, keep_from=start + answer) == (start, len(text))
    cut = _with_neighbours(text, start, len(text), widen_forward=False)  # without knowing where the figure is
    assert cut[0] == 0 and "1150万吨" not in text[cut[0] : cut[1]]
