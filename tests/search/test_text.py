from marketplace.search.text import Pipeline, normalise, parse_language


def pipeline(**language):
    return Pipeline(parse_language(**language))


def test_normalisation_full_width_case_traditional_and_pinyin():
    assert normalise("ＶＲ實訓") == "vr实训"
    assert normalise("中(zhōng)共江(jiāng)西") == "中共江西"
    assert normalise("聯繫電話13812345678") == "联系电话" + " " * 11


def test_synonyms_map_to_one_term_and_keep_the_original_span():
    p = pipeline(synonyms="vr,虚拟现实\nai,人工智能")
    spans = p.spans("虛擬現實教學")
    vr = next(s for s in spans if s.term == "vr")
    assert vr.surface == "虛擬現實" and (vr.start, vr.end) == (0, 4)
    assert "ai" in p.terms("人工智能质检") and "ai" in p.terms("AI质检")


def test_stopwords_are_left_out_of_matching_and_kept_for_the_index():
    p = pipeline(stopwords="平台\n系统")
    assert p.terms("停车平台和系统") == ["停车"]
    assert p.terms("停车平台和系统", keep_stop=True) == ["停车", "平台", "系统"]
    assert p.is_stop("平台") and not p.is_stop("停车")


def test_single_characters_latin_ones_too_are_never_terms():
    """Evidence once listed "i" (from "i南昌")."""
    terms = pipeline().terms("i南昌 App 和 5G x 光")
    assert "i" not in terms and "x" not in terms and "和" not in terms
    assert {"南昌", "app", "5g"} <= set(terms)


def test_search_mode_adds_short_words_inside_compounds():
    p = pipeline(dictionary="智慧停车 1000 nz")
    assert p.terms("智慧停车", for_search=False) == ["智慧停车"]
    assert {"智慧", "停车", "智慧停车"} <= set(p.terms("智慧停车"))


def test_domain_dictionary_keeps_place_names_whole():
    plain, tuned = pipeline(), pipeline(dictionary="红谷滩区 1000 ns\n一网统管 1000 nz")
    assert "红谷滩区" not in plain.terms("红谷滩区一网统管", for_search=False)
    assert tuned.terms("红谷滩区一网统管", for_search=False) == ["红谷滩区", "一网统管"]


def test_mixed_latin_and_chinese():
    p = pipeline()
    assert p.terms("BIM+GIS数字孪生", for_search=False)[:2] == ["bim", "gis"]
    assert "5g" in p.terms("5G+AR远程运维")


def test_latin_abbreviations_do_not_cut_other_latin_words_apart():
    """Synonyms such as ar, ai, gis are not jieba words: a Latin run comes out whole by
    itself, and as dictionary words they cut smart into sm/ar/t and email into em/ai/l."""
    p = pipeline(synonyms="增强现实,ar\n人工智能,ai\n地理信息系统,gis")
    assert p.terms("Smart City email Logistics", for_search=False) == [
        "smart", "city", "email", "logistics"]
    assert p.terms("AR眼镜和AI质检、GIS一张图", for_search=False)[:4] == [
        "增强现实", "眼镜", "人工智能", "质检"]
    assert "地理信息系统" in p.terms("GIS一张图")


def test_a_synonym_keeps_the_frequency_the_dictionary_gives_it():
    p = pipeline(synonyms="老年人,老人", dictionary="老人 4424 nz")
    assert p._tokenizer.FREQ["老人"] == 4424
