"""Validation errors in one line: where and what, never the values."""

from hayhooks.problems import listed


def test_each_error_is_its_place_and_its_message_without_the_input():
    errors = [{"loc": ("body", "text"), "msg": "Field required", "input": "s3cret"},
              {"loc": ("body", "top_k"), "msg": "Input should be a valid integer", "input": "many"}]
    assert listed(errors) == "body.text: Field required; body.top_k: Input should be a valid integer"


def test_an_error_of_the_whole_input_says_input_and_a_long_list_is_cut():
    errors = [{"loc": (), "msg": "Input should be an object"}] + [{"loc": ("x", n), "msg": "bad"} for n in range(3)]
    assert listed(errors, limit=2) == "input: Input should be an object; x.0: bad; and 2 more"
