"""Names and amounts that survive translation (newscrawl.extract.mentions)."""

from __future__ import annotations

import pytest

from newscrawl.extract.mentions import amounts, mentions, name_key, place_names


@pytest.mark.parametrize("spellings", [
    ("Сагинтаев", "Sagintayev", "Sağyntaev", "Сағынтаевтың", "Сагинтаевым"),
    ("Бабакумаров", "Babakumarov", "Babakýmarov", "Бабакумарова"),
    ("Жақсыбеков", "Dzhaksybekov", "Jaqsybekov"),
    ("Алматы", "Almaty", "Алматыда"),
    ("Шымкент", "Shymkent", "Şymkent"),
    ("Казахстан", "Kazakhstan", "Qazaqstan", "Қазақстан"),
])
def test_spellings_of_one_name_in_every_script_share_a_key(spellings):
    assert len({name_key(word) for word in spellings}) == 1
    assert name_key(spellings[0]) is not None


def test_different_names_have_different_keys():
    assert len({name_key(w) for w in ("Сагинтаев", "Бабакумаров", "Бобров", "Капитанов", "Черемин")}) == 5


def test_amounts_with_a_scale_match_across_languages():
    assert amounts("товарооборот составил 4,7 млрд долларов") == {"4.7bln"}
    assert amounts("sales reached USD 4.7 bln, up 12 %") == {"4.7bln", "12%"}
    assert amounts("тауар айналымы 4,7 млрд долларға, 300 мың адам") == {"4.7bln", "300thousand"}
    assert amounts("в 2019 году 15 человек") == set()


def test_sentence_starts_are_not_names_unless_seen_mid_sentence():
    found = mentions("Встреча в Алматы", "Вчера аким Алматы Бакытжан Сагинтаев принял гостей. Гости уехали.")
    assert {name_key("Сагинтаев"), name_key("Бакытжан"), "almaty"} <= found.names
    assert name_key("Гости") not in found.names and name_key("Вчера") not in found.names


@pytest.mark.parametrize(("place", "texts"), [
    ("saint-petersburg", ["Делегация из Санкт-Петербурга прибыла.", "The mayor of St. Petersburg arrived.",
                          "Guests from Saint Petersburg came.", "Отношения с Санкт-Петербургом крепнут.",
                          "Бүгін Санкт-Петербургтың делегациясы келді."]),
    ("astana", ["Форум прошёл в Нур-Султане.", "The forum was held in Nur-Sultan.", "Форум прошёл в Астане.",
                "The forum was held in Astana.", "Форум Нұр-Сұлтанда өтті."]),
    ("almaty", ["Встреча прошла в Алматы.", "The meeting was held in Almaty.", "Встреча прошла в Алма-Ате.",
                "Кездесу Алматыда өтті."]),
    ("moscow", ["Гости из Москвы приехали.", "Guests from Moscow came.", "Қонақтар Мәскеуден келді."]),
])
def test_a_place_named_differently_across_languages_has_one_key(place, texts):
    assert all(place in mentions(None, text).names for text in texts), [mentions(None, t).names for t in texts]


def test_the_place_names_table_gives_no_name_to_two_places():
    table = place_names()  # raises when a name is given to two places
    assert table[("saint", "petersburg")] == "saint-petersburg" and table[("nur", "sultan")] == "astana"


def test_country_names_in_stan_keep_their_ending_in_every_case():
    assert name_key("Kazakhstan") == name_key("Казахстана") == name_key("Қазақстанда")
