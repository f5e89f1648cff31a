"""The few sentences ``train``, ``graph`` and ``vanishing`` print themselves, in each language ``--lang``
offers.  (``explain``, ``check`` and ``draw`` take theirs from ``explain/locales``; these commands had no
translated words, and the study's table and the plots are still English.)

    say("ko", "wrote", path="net.svg")     # 'net.svg 파일을 썼습니다'
"""
from __future__ import annotations

LANGS = ("en", "ko")      # chainrule.explain.locale.LANGS, without importing explain to list the commands

WORDS = {
    "en": {
        "wrote": "wrote {path}",
        "train.last": "epoch {epoch}: loss {loss:.4f}, train accuracy {accuracy:.4f}",
        "train.test": ", test accuracy {accuracy:.4f}",
        "graph.seed_title": "the lecture's network: BCE loss of one example",
        "vanishing.head": "gradient norm ‖∂L/∂W‖ per layer after one backward pass (layer 1 = nearest the input; "
                          "width {width}, batch {batch}, seed {seed}, {init} init)",
        "vanishing.ratio": "{act:>10} at depth {depth}: first layer / last layer = {ratio:.2e}",
        "vanishing.time_head": "gradient norm ‖∂L/∂h⁽ᵗ⁾‖ reaching each time step after one backward pass of a loss on "
                               "the last step (hidden {hidden}, batch {batch}, seed {seed}, LSTM forget bias +{fb:g})",
        "vanishing.time_ratio": "{cell:>10} at length {length}: step 1 / step T = {ratio:.2e}",
    },
    "ko": {
        "wrote": "{path} 파일을 썼습니다",
        "train.last": "에포크 {epoch}: 손실 {loss:.4f}, 학습 정확도 {accuracy:.4f}",
        "train.test": ", 테스트 정확도 {accuracy:.4f}",
        "graph.seed_title": "강의의 신경망: 예제 하나의 BCE 손실",
        "vanishing.head": "역전파 한 번 뒤 층별 기울기 노름 ‖∂L/∂W‖ (1층 = 입력에 가장 가까운 층; 너비 {width}, "
                          "배치 {batch}, 시드 {seed}, {init} 초기화)",
        "vanishing.ratio": "{act:>10}, 깊이 {depth}: 첫 층 / 마지막 층 = {ratio:.2e}",
        "vanishing.time_head": "마지막 단계의 손실로 역전파 한 번 뒤 각 시간 단계에 도착한 기울기 노름 ‖∂L/∂h⁽ᵗ⁾‖ "
                               "(은닉 {hidden}, 배치 {batch}, 시드 {seed}, LSTM 망각 편향 +{fb:g})",
        "vanishing.time_ratio": "{cell:>10}, 길이 {length}: 1단계 / T단계 = {ratio:.2e}",
    },
}


def say(lang: str, key: str, **values) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    return WORDS[lang][key].format(**values)


def add_lang_argument(parser, what: str = "its messages") -> None:
    parser.add_argument("--lang", choices=LANGS, default="en", help=f"language of {what}")
