from newscrawl.urls import bare_host, canonical_key, clean_url, same_site


def test_clean_url_drops_tracking_parameters_and_fragment_but_keeps_the_rest():
    url = "https://www.inform.kz/ru/some-news-adef40?utm_source=tg&id=5&fbclid=x&utm_medium=social#comments"
    assert clean_url(url) == "https://www.inform.kz/ru/some-news-adef40?id=5"


def test_canonical_key_folds_scheme_mirror_hosts_amp_and_trailing_slash():
    forms = [
        "https://www.inform.kz/en/astana-mayor_a4000412",
        "http://inform.kz/en/astana-mayor_a4000412/",
        "https://m.inform.kz/en/astana-mayor_a4000412/amp",
        "https://www.inform.kz/en/astana-mayor_a4000412?utm_campaign=rss",
    ]
    assert len({canonical_key(u) for u in forms}) == 1


def test_canonical_key_keeps_meaningful_query_and_sorts_it():
    a = canonical_key("https://www.gov.kz/memleket/entities/mfa/press/news/details/1273258?lang=ru&x=1")
    b = canonical_key("https://gov.kz/memleket/entities/mfa/press/news/details/1273258?x=1&lang=ru")
    c = canonical_key("https://gov.kz/memleket/entities/mfa/press/news/details/1273258?lang=en")
    assert a == b != c


def test_canonical_key_keeps_different_articles_apart():
    assert canonical_key("https://total.kz/ru/news/a/one") != canonical_key("https://total.kz/ru/news/a/two")


def test_bare_host_and_same_site():
    assert bare_host("www.inform.kz") == "inform.kz"
    assert same_site("https://qz.inform.kz/news/x/", "https://www.inform.kz/")
    assert not same_site("https://total.kz/ru", "https://www.inform.kz/ru")
