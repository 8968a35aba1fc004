"""Price formulas of the evaluation methods (domain-rules 5.1 and 5.2), as versioned, parameterised strategies.

Why strategies with a version: the formula is part of the tender documents (条例第49条: only the criteria of the
documents may be used), regions vary it, and a supervisor must be able to recompute a finished evaluation years
later with exactly the formula it used. Each rule is a frozen dataclass that serialises itself with its name and
version (:meth:`to_json`); :func:`rule_from_json` rebuilds it, and an unknown name or version is refused rather than
silently computed with today's code.

All money and points are :class:`~decimal.Decimal`; every rounding is half-up, as Chinese tender documents write it
("四舍五入"), never the banker's rounding of ``round``.

- :class:`MeanDeviationRule` (综合评估法, version 1): 评标基准价 = mean of the valid prices (dropping the highest and
  the lowest once there are at least ``drop_extremes_from`` of them) × (1 − K), K ∈ [0, 0.1] (the descent coefficient,
  often drawn at the opening, "抽系数"); 偏差率 = (price − base) / base × 100, rounded to 2 decimals; price score =
  full marks − |偏差率| × E1 above the base or × E2 below it, never below 0, rounded to 2 decimals.
- :class:`LowestEvaluatedPrice` (经评审的最低投标价法, version 1; 法第41条, 12号令第30–32条): the evaluated price is
  the bid price plus the committee's adjustments for commercial deviations (each with a reason); bids rank by it
  ascending, a tie by the bid price, then jointly. Technical parts are never converted to money.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, ClassVar, TypeVar

from core.errors import N_, InvalidInput

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_K = Decimal("0.1")
MAX_POINTS_PER_PERCENT = Decimal(10)

Key = TypeVar("Key", bound=Hashable)


def half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    """Round half-up (四舍五入) to ``places``."""
    return value.quantize(places, rounding=ROUND_HALF_UP)


def precise_mean(values: Sequence[Decimal]) -> Decimal:
    """The arithmetic mean at 40 digits, left unrounded for the caller to round half-up."""
    with localcontext() as ctx:
        ctx.prec = 40
        return sum(values, Decimal(0)) / len(values)


def _decimal(value: object, what: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError as exc:
        raise InvalidInput(N_("价格公式参数“%(name)s”不是数字。"), field=what, name=what) from exc
    if not number.is_finite():
        raise InvalidInput(N_("价格公式参数“%(name)s”不是数字。"), field=what, name=what)
    return number


@dataclass(frozen=True)
class PriceScore:
    """One bid under a :class:`MeanDeviationRule`: its deviation from the base and the points it earns."""

    price: Decimal
    deviation_pct: Decimal
    score: Decimal


@dataclass(frozen=True)
class PriceComputation:
    """Everything a supervisor needs to recompute the price scores by hand, kept in the evaluation record."""

    rule: dict[str, Any]
    valid_prices: dict[str, str]
    used_prices: list[str]
    dropped: list[str]
    mean: Decimal
    base: Decimal
    scores: dict[str, PriceScore] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "valid_prices": self.valid_prices,
            "used_prices": self.used_prices,
            "dropped": self.dropped,
            "mean": str(self.mean),
            "base": str(self.base),
            "scores": {k: {"price": str(s.price), "deviation_pct": str(s.deviation_pct), "score": str(s.score)}
                       for k, s in self.scores.items()},
        }


@dataclass(frozen=True)
class MeanDeviationRule:
    """评标基准价 from the mean of the valid prices, points lost per percent of deviation (2007 标准施工招标文件 ch. 3)."""

    NAME: ClassVar[str] = "mean_deviation"
    VERSION: ClassVar[int] = 1

    full_marks: Decimal
    e_above: Decimal
    e_below: Decimal
    k: Decimal = Decimal(0)
    drop_extremes_from: int | None = None

    def __post_init__(self) -> None:
        for name in ("full_marks", "e_above", "e_below", "k"):
            object.__setattr__(self, name, _decimal(getattr(self, name), name))
        if not 0 < self.full_marks <= HUNDRED or self.full_marks != half_up(self.full_marks):
            raise InvalidInput(N_("价格分满分应大于 0、不超过 100，最多两位小数。"), field="full_marks")
        if not 0 <= self.k <= MAX_K:
            raise InvalidInput(N_("下浮系数 K 应在 0 至 0.1 之间。"), field="k")
        for name in ("e_above", "e_below"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_POINTS_PER_PERCENT or value != half_up(value):
                raise InvalidInput(N_("每偏离一个百分点的扣分应在 0 至 10 分之间，最多两位小数。"), field=name)
        if self.drop_extremes_from is not None and not 3 <= self.drop_extremes_from <= 50:
            raise InvalidInput(N_("去掉最高和最低报价的起点应为 3 至 50 家有效报价。"), field="drop_extremes_from")

    # --- the formula ------------------------------------------------------------------------------------------------

    def base_price(self, prices: Sequence[Decimal]) -> tuple[Decimal, Decimal, list[int]]:
        """(mean, base, indexes dropped): the mean of the prices used and 评标基准价 = mean × (1 − K), both to the fen."""
        if not prices:
            raise InvalidInput(N_("没有有效报价，无法计算评标基准价。"))
        order = sorted(range(len(prices)), key=lambda i: (prices[i], i))
        dropped: list[int] = []
        if self.drop_extremes_from is not None and len(prices) >= self.drop_extremes_from:
            dropped = [order[0], order[-1]]
        used = [p for i, p in enumerate(prices) if i not in dropped]
        mean = precise_mean(used)
        return half_up(mean), half_up(mean * (1 - self.k)), dropped

    @staticmethod
    def deviation_pct(price: Decimal, base: Decimal) -> Decimal:
        """偏差率 = (price − base) / base × 100, to 2 decimals."""
        if base <= 0:
            raise InvalidInput(N_("评标基准价必须大于零。"))
        with localcontext() as ctx:
            ctx.prec = 40
            return half_up((price - base) / base * HUNDRED)

    def score(self, deviation_pct: Decimal) -> Decimal:
        """full − |偏差率| × E1 (above) or × E2 (below), floor 0, to 2 decimals."""
        per_percent = self.e_above if deviation_pct > 0 else self.e_below
        return max(Decimal(0), half_up(self.full_marks - abs(deviation_pct) * per_percent))

    def compute(self, prices: Mapping[Key, Decimal]) -> PriceComputation:
        """Base price and every bid's score, from the valid prices keyed by bidder."""
        keys = list(prices)
        values = [_decimal(prices[k], "price") for k in keys]
        if any(v <= 0 for v in values):
            raise InvalidInput(N_("投标报价必须大于零。"))
        mean, base, dropped = self.base_price(values)
        scores = {}
        for key, price in zip(keys, values, strict=True):
            deviation = self.deviation_pct(price, base)
            scores[str(key)] = PriceScore(price, deviation, self.score(deviation))
        return PriceComputation(
            rule=self.to_json(), valid_prices={str(k): str(v) for k, v in zip(keys, values, strict=True)},
            used_prices=[str(k) for i, k in enumerate(keys) if i not in dropped],
            dropped=[str(keys[i]) for i in dropped], mean=mean, base=base, scores=scores)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.NAME, "version": self.VERSION, "full_marks": str(self.full_marks),
                "e_above": str(self.e_above), "e_below": str(self.e_below), "k": str(self.k),
                "drop_extremes_from": self.drop_extremes_from}


@dataclass(frozen=True)
class EvaluatedPrice:
    key: str
    price: Decimal
    adjustments: Decimal
    evaluated: Decimal
    rank: int


@dataclass(frozen=True)
class LowestEvaluatedPrice:
    """经评审的最低投标价法: the lowest evaluated price of the compliant bids wins (法第41条第2项)."""

    NAME: ClassVar[str] = "lowest_evaluated_price"
    VERSION: ClassVar[int] = 1

    def evaluated_price(self, price: Decimal, adjustments: Sequence[Decimal]) -> Decimal:
        """The price plus the committee's adjustments (12号令第31条), to the fen."""
        return half_up(price + sum(adjustments, Decimal(0)))

    def rank(self, prices: Mapping[Key, Decimal], adjustments: Mapping[Key, Sequence[Decimal]]) -> list[EvaluatedPrice]:
        """Ascending by evaluated price, then by bid price; equal on both is a joint rank."""
        rows = [(str(k), prices[k], sum(adjustments.get(k, ()), Decimal(0)),
                 self.evaluated_price(prices[k], adjustments.get(k, ()))) for k in prices]
        rows.sort(key=lambda r: (r[3], r[1], r[0]))
        ranked: list[EvaluatedPrice] = []
        for position, (key, price, adjust, evaluated) in enumerate(rows, start=1):
            previous = ranked[-1] if ranked else None
            rank = previous.rank if previous and (previous.evaluated, previous.price) == (evaluated, price) else position
            ranked.append(EvaluatedPrice(key, price, adjust, evaluated, rank))
        return ranked

    def to_json(self) -> dict[str, Any]:
        return {"name": self.NAME, "version": self.VERSION}


PriceRule = MeanDeviationRule | LowestEvaluatedPrice


def rule_from_json(data: Mapping[str, Any]) -> PriceRule:
    """The rule a stored evaluation used; an unknown name or version is refused, never guessed."""
    name, version = data.get("name"), data.get("version")
    if name == MeanDeviationRule.NAME and version == MeanDeviationRule.VERSION:
        return MeanDeviationRule(full_marks=Decimal(data["full_marks"]), e_above=Decimal(data["e_above"]),
                                 e_below=Decimal(data["e_below"]), k=Decimal(data["k"]),
                                 drop_extremes_from=data.get("drop_extremes_from"))
    if name == LowestEvaluatedPrice.NAME and version == LowestEvaluatedPrice.VERSION:
        return LowestEvaluatedPrice()
    raise InvalidInput(N_("未知的价格计算公式：%(name)s 第 %(version)s 版。"), field="price_rule", name=str(name),
                       version=str(version))


def below_mean(prices: Mapping[Key, Decimal], trigger_pct: Decimal) -> list[Key]:
    """Abnormally low prices (12号令第21条): below the mean of the valid prices by more than ``trigger_pct`` percent.

    The trigger is a local rule [L] and set per evaluation; with fewer than 2 prices there is nothing to compare."""
    if len(prices) < 2:
        return []
    mean = precise_mean(list(prices.values()))
    limit = mean * (1 - trigger_pct / HUNDRED)
    return [k for k, p in prices.items() if p < limit]
