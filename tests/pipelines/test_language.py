from newscrawl.pipelines.language import LanguagePipeline


def test_language_comes_from_the_text_not_the_edition(crawler, make_article):
    item = make_article(title="Kazakhstan to host summit", language_hint="ru",
                        body="ASTANA. KAZINFORM – Kazakhstan will host the summit of Central Asian leaders "
                             "in September, the Foreign Ministry said on Monday.")
    LanguagePipeline.from_crawler(crawler).process_item(item)
    assert item.language == "en"
    assert crawler.stats.get_value("newscrawl/language/differs_from_edition") == 1


def test_kazakh_in_latin_script_is_kk(crawler, make_article):
    item = make_article(title="Astanada jańa mektep ashyldy", language_hint="kk",
                        body="ASTANA. KAZINFORM – Elordada 1200 oryndyq jańa mektep paıdalanýǵa berildi. "
                             "Mektep zamanaýı fızıka jáne hımııa kabınetterimen jabdyqtalǵan.")
    LanguagePipeline.from_crawler(crawler).process_item(item)
    assert item.language == "kk"
    assert crawler.stats.get_value("newscrawl/language/kk") == 1


def test_text_without_letters_has_no_language_and_is_counted(crawler, make_article):
    item = make_article(title="", body="2025 — 12:40")
    LanguagePipeline.from_crawler(crawler).process_item(item)
    assert item.language is None
    assert crawler.stats.get_value("newscrawl/language/unknown") == 1
