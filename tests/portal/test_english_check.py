from tests.english import japanese_outside_data


def test_japanese_data_marked_as_such_is_left_out():
    html = '<p>Name: <span lang="ja">山田 太郎</span></p><button lang="ja">日本語</button>'
    assert japanese_outside_data(html) == []


def test_japanese_text_and_read_attributes_are_found():
    html = (
        '<p>Balance <b>残高</b></p><img alt="ロゴ"><input type="submit" value="送信">'
        '<nav aria-label="会員メニュー"><br></nav><script>const s = "無視";</script>'
    )
    assert japanese_outside_data(html) == [
        "text: 残高",
        "img[alt]: ロゴ",
        "input[value]: 送信",
        "nav[aria-label]: 会員メニュー",
    ]


def test_the_data_mark_ends_with_its_element():
    html = '<div lang="ja"><p>山田</p><br></div><p>残高</p>'
    assert japanese_outside_data(html) == ["text: 残高"]
