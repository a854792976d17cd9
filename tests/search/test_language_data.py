"""The shipped language data (seed/search) keeps the rules written in the headers of its
files: a synonym term in one group only, lower-case, without spaces, + or /; each one
segmented as a single token that maps to its group's first term; no stop-word in a group;
every Chinese synonym term also in the dictionary."""
import re
from collections import Counter
from pathlib import Path

import pytest

from marketplace.search.text import Pipeline, normalise, read_language_files

SEED = Path(__file__).resolve().parents[2] / "seed" / "search"


@pytest.fixture(scope="module")
def language():
    return read_language_files(SEED)


@pytest.fixture(scope="module")
def pipeline(language):
    return Pipeline(language)


def terms(language):
    return [term for group in language.synonyms for term in group]


def test_there_are_several_hundred_groups(language):
    assert len(language.synonyms) >= 300


def test_a_term_is_in_one_group_only(language):
    twice = [term for term, count in Counter(terms(language)).items() if count > 1]
    assert twice == []


def test_terms_are_written_as_the_pipeline_normalises_them(language):
    """Lower-case Latin, half-width, Simplified; no spaces, + or / (the segmenter splits
    there), nor - (it splits there too)."""
    bad = [term for term in terms(language)
           if normalise(term) != term or re.search(r"[\s+/\-]", term)]
    assert bad == []


def test_every_term_is_one_token_mapped_to_its_groups_first_term(language, pipeline):
    wrong = {}
    for group in language.synonyms:
        for term in group:
            tokens = pipeline.terms(term, for_search=False, keep_stop=True)
            if tokens != [group[0]]:
                wrong[term] = tokens
    assert wrong == {}


def test_no_group_holds_a_stop_word(language):
    stop = {normalise(word) for word in language.stopwords}
    assert [group for group in language.synonyms if stop & set(group)] == []


def test_every_chinese_term_is_in_the_dictionary(language):
    listed = {normalise(word) for word, _, _ in language.dictionary}
    missing = [term for term in terms(language)
               if re.search(r"[\u4e00-\u9fff]", term) and term not in listed]
    assert missing == []


def test_dictionary_lines_are_well_formed(language):
    counts = Counter(word for word, _, _ in language.dictionary)
    assert [word for word, count in counts.items() if count > 1] == []
    assert all(freq >= 1000 and pos in {"ns", "nt", "nz"}
               for _, freq, pos in language.dictionary)


def test_latin_words_around_abbreviations_stay_whole(pipeline):
    """ar, ai, gis, erp, mes are synonyms; smart, mail, logistics, enterprise, times are
    not cut into them."""
    text = "Smart mail Logistics Enterprise Times"
    assert pipeline.terms(text, for_search=False) == [
        "smart", "mail", "logistics", "enterprise", "times"]
    assert pipeline.terms("ERP和MES上云", for_search=False)[:2] == ["企业资源计划", "制造执行系统"]
