"""The scores of candidate pairs: the calibrated text similarity in both directions, technology
structure, practical fit, the rules that keep a pair out of a list, and the organisations'
feedback. Functions of a corpus ``c`` and the parameters ``p``; no Django here."""

from __future__ import annotations

import numpy as np

from matchmaking.engine import learned
from matchmaking.engine.arrays import share
from matchmaking.engine.corpus import Corpus
from matchmaking.engine.params import Params
from matchmaking.engine.reason_flags import (
    BOTH_SAXONY,
    CO_OPERATION,
    COMPLEMENTARY_DIVISIONS,
    CROSS_SECTOR,
    FEEDBACK_SIMILAR,
    KIND_PAIR,
    PARTNER_NEEDS,
    PARTNER_OFFERS,
    SAME_DISTRICT,
    SHARED_CLUSTER,
    SHARED_FIELD,
    TARGET_COUNTRY,
    TARGETED_BY_PARTNER,
)
from matchmaking.engine.vocabulary import kind_fit_matrix

_KIND_FIT = kind_fit_matrix()
_REASON_TEXT_MIN = 0.25  # a direction is named as a reason from this calibrated similarity on


def calibrated(c: Corpus, raw: np.ndarray) -> np.ndarray:
    """Raw text similarities mapped to [0, 1] by the corpus's calibration."""
    low, high = c.calibration
    return np.clip((raw - low) / (high - low), 0.0, 1.0)


def across_languages(c: Corpus, p: Params, i: np.ndarray, j: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """The raw text similarity of i's needs and j's offers, corrected for the sentence encoder's
    language gap: divided by ``cross_language_scale`` where i's request and j's offer are in
    different languages, by less as far as either is in both (a pair whose texts may be in either
    language is a cross-language pair by the chance that they differ). Within one language it stays
    as it is. Without the correction a German need finds a German look-alike before the English
    offer that meets it. The lexical part of the raw similarity is divided too; across the languages
    it is close to zero."""
    scale = p.cross_language_scale
    if scale >= 1:
        return raw
    a, b = c.request_german[i], c.offer_german[j]
    apart = a * (1 - b) + (1 - a) * b
    return (raw / (1 - (1 - scale) * apart)).astype(np.float32)


def score_pairs(
    c: Corpus,
    p: Params,
    i: np.ndarray,
    j: np.ndarray,
    forward_raw: np.ndarray,
    backward_raw: np.ndarray,
    *,
    hubness: np.ndarray | None = None,
    roles: bool = True,
    role_dots=None,
) -> dict:
    """All components and the score of pairs (i, j) from their raw text similarities in both
    directions (``Prefilter.text_raw``).

    With learned weights (``p.weights``) the score is theirs (``matchmaking.engine.learned``), from
    the signals of the pair and ``hubness`` (per corpus row). Without ``roles`` it is a first
    estimate to choose the best candidates by: the role signals are left at 0 and the embedding and
    lexical parts of the text are not told apart (``complete`` completes the chosen ones). Without
    weights it is the hand-set score: text, then structure and fit gated by text. ``role_dots``:
    the pairs' request-by-request and offer-by-offer products, if the caller has them
    (``learned.role_similarities``). The raw similarities are corrected for the language gap here
    (``across_languages``)."""
    forward_raw = across_languages(c, p, i, j, forward_raw)
    backward_raw = across_languages(c, p, j, i, backward_raw)
    forward = calibrated(c, forward_raw)  # j offers what i needs
    backward = calibrated(c, backward_raw)  # i offers what j needs
    value_i = np.maximum(forward, p.customer_value * backward)
    value_j = np.maximum(backward, p.customer_value * forward)
    total = value_i + value_j
    text = np.divide(2 * value_i * value_j, total, out=np.zeros_like(total), where=total > 0)

    shared_fields = c.fields[i] & c.fields[j]
    shared = shared_fields != 0
    # How much of both organisations' technology the shared fields are (Jaccard): two
    # single-field specialists in the same field are closer than two broad generalists.
    union = np.bitwise_count(c.fields[i] | c.fields[j])
    overlap = np.bitwise_count(shared_fields) / np.maximum(union, 1)
    cross = shared & ((c.sections[i] & c.sections[j]) == 0) & (c.sections[i] != 0) & (c.sections[j] != 0)
    complementary = complementary_divisions(c, i, j)
    structure = np.maximum(
        overlap * (p.shared_field + p.cross_sector_bonus * cross), complementary * p.complementary_divisions
    )
    structure = np.minimum(structure, 1.0).astype(np.float32)

    same_district = (c.district[i] >= 0) & (c.district[i] == c.district[j])
    both_saxony = (c.district[i] >= 0) & (c.district[j] >= 0) & ~same_district
    abroad = ~(c.in_germany[i] & c.in_germany[j])
    partner_in_target = share(c.targets[i], c.country[j]) & abroad
    targeted_by_partner = share(c.targets[j], c.country[i]) & abroad
    target = partner_in_target | targeted_by_partner
    region = np.select([same_district, target, both_saxony], [1.0, 0.8, 0.6], default=0.2)
    known = (c.size[i] >= 0) & (c.size[j] >= 0)
    size = np.where(known, 1.0 - np.abs(c.size[i].astype(np.float32) - c.size[j]) / 4.0, 0.5)
    cluster = share(c.clusters[i], c.clusters[j])
    kinds = _KIND_FIT[c.kind[i], c.kind[j]]
    fit = p.fit_region * region + p.fit_size * size + p.fit_cluster * cluster + p.fit_kinds * kinds

    # Structure and fit make a good match better; they do not make a match of two
    # organisations that have nothing to offer each other: below ``gate_text`` of text
    # complementarity they count only in part.
    gate = p.gate_floor + (1 - p.gate_floor) * np.minimum(1.0, text / p.gate_text)
    if p.weights:
        features = {
            "text": text,
            "text_best": np.maximum(forward, backward),
            **(
                _text_signals(c, p, i, j, forward_raw, backward_raw)
                if roles
                else _rough_text_signals(forward_raw, backward_raw)
            ),
            "structure": gate * structure,
            "fit": gate * fit,
            "hubness": (hubness[i] + hubness[j]) if hubness is not None else np.zeros(len(i), np.float32),
            **(
                learned.role_similarities(c, i, j, dots=role_dots)
                if roles
                else dict.fromkeys(learned.ROLE_FEATURES, 0.0)
            ),
        }
        score = learned.probability(learned.logit(p.weights, features))
    else:
        features = None
        score = p.w_text * text + gate * (p.w_structure * structure + p.w_fit * fit)
    flags = (
        np.where(forward >= _REASON_TEXT_MIN, PARTNER_OFFERS, 0)
        | np.where(backward >= _REASON_TEXT_MIN, PARTNER_NEEDS, 0)
        | np.where(shared, SHARED_FIELD, 0)
        | np.where(cross, CROSS_SECTOR, 0)
        | np.where(complementary, COMPLEMENTARY_DIVISIONS, 0)
        | np.where(same_district, SAME_DISTRICT, 0)
        | np.where(both_saxony, BOTH_SAXONY, 0)
        | np.where(partner_in_target, TARGET_COUNTRY, 0)
        | np.where(targeted_by_partner, TARGETED_BY_PARTNER, 0)
        | np.where(cluster, SHARED_CLUSTER, 0)
        | np.where(kinds >= 0.9, KIND_PAIR, 0)
    ).astype(np.int32)
    if features is not None and roles:
        flags |= np.where(learned.role_reasons(features)["co_operation"], CO_OPERATION, 0).astype(np.int32)
    return {
        "score": score.astype(np.float32),
        "text": text.astype(np.float32),
        "text_forward": forward.astype(np.float32),
        "text_backward": backward.astype(np.float32),
        "structure": structure,
        "fit": fit.astype(np.float32),
        "feedback": np.zeros(len(i), dtype=np.float32),
        "flags": flags,
        "shared_fields": shared_fields,
        "features": features,
    }


def _text_signals(c: Corpus, p: Params, i, j, forward_raw, backward_raw, batch: int = 65536) -> dict:
    """The stronger direction of the embedding and of the lexical similarity alone. The raw text
    similarity mixes both (``lexical_share`` of lexical); the lexical part is recomputed from the
    small lexical vectors and the embedding part is what remains."""
    lexical = np.zeros((2, len(i)), dtype=np.float32)
    one_partner = len(j) > 1 and (j == j[0]).all()
    if one_partner:  # one organisation against many (the incremental update): matrix-vector products
        lexical[0] = (c.lex_request @ c.lex_offer[j[0]])[i]
        lexical[1] = (c.lex_offer @ c.lex_request[j[0]])[i]
    for start in range(0, 0 if one_partner else len(i), batch):
        a, b = i[start : start + batch], j[start : start + batch]
        lexical[0, start : start + batch] = np.einsum("md,md->m", c.lex_request[a], c.lex_offer[b])
        lexical[1, start : start + batch] = np.einsum("md,md->m", c.lex_request[b], c.lex_offer[a])
    share_ = p.lexical_share
    if share_ >= 1:
        embedding = np.zeros_like(lexical)
    else:
        embedding = (np.vstack([forward_raw, backward_raw]) - share_ * lexical) / (1 - share_)
    return {"embedding_best": embedding.max(axis=0), "lexical_best": lexical.max(axis=0)}


def _rough_text_signals(forward_raw, backward_raw) -> dict:
    """The first estimate of ``_text_signals``: the raw text similarity stands for the embedding."""
    return {"embedding_best": np.maximum(forward_raw, backward_raw), "lexical_best": 0.0}


def complete(c: Corpus, p: Params, i: np.ndarray, j: np.ndarray, scored: dict, forward_raw, backward_raw) -> None:
    """Complete the learned score of pairs scored as a first estimate (``score_pairs`` without
    ``roles``): their role signals and the text's embedding and lexical parts; the raw similarities
    as ``score_pairs`` was given them."""
    if scored["features"] is None:
        return
    forward_raw = across_languages(c, p, i, j, forward_raw)
    backward_raw = across_languages(c, p, j, i, backward_raw)
    roles = learned.role_similarities(c, i, j)
    scored["features"].update(roles)
    scored["features"].update(_text_signals(c, p, i, j, forward_raw, backward_raw))
    scored["score"] = learned.probability(learned.logit(p.weights, scored["features"]))
    scored["flags"] |= np.where(learned.role_reasons(roles)["co_operation"], CO_OPERATION, 0).astype(np.int32)


def subset(scored: dict, keep: np.ndarray) -> dict:
    """The scored pairs at ``keep`` (a mask or indices)."""
    out = {name: (values[keep] if isinstance(values, np.ndarray) else values) for name, values in scored.items()}
    if scored["features"] is not None:
        out["features"] = {
            name: values[keep] if np.ndim(values) else values for name, values in scored["features"].items()
        }
    return out


def complementary_divisions(c: Corpus, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs with NACE divisions that staff declared complementary (any division of each)."""
    if not c.complementary_divisions.any():
        return np.zeros(len(i), dtype=bool)
    di, dj = c.divisions[i], c.divisions[j]
    hit = c.complementary_divisions[np.maximum(di, 0)[:, :, None], np.maximum(dj, 0)[:, None, :]]
    return (hit & (di >= 0)[:, :, None] & (dj >= 0)[:, None, :]).any(axis=(1, 2))


def allowed(c: Corpus, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs that may appear at all: exclusions, hidden pairs and "not relevant" removed."""
    keep = (i != j) & c.eligible[j]
    if c.same_group_rule:
        keep &= ~((c.group[i] != 0) & (c.group[i] == c.group[j]))
    rule = c.competitor_rule[i] | c.competitor_rule[j]
    if rule.any():
        at = np.flatnonzero(rule)
        keep[at] &= ~share(c.classes[i[at]], c.classes[j[at]])
    keys = i.astype(np.int64) * c.n + j
    for blocked in (c.excluded, c.hidden):
        if len(blocked):
            keep &= ~np.isin(keys, blocked)
    if len(c.feedback_rows):
        negative = c.feedback_values < 0
        rejected = c.feedback_rows[negative] * c.n + c.feedback_partners[negative]
        keep &= ~np.isin(keys, rejected)
    return keep


def apply_feedback(c: Corpus, p: Params, i: np.ndarray, j: np.ndarray, scored: dict) -> None:
    """Move partners similar to ones an organisation gave feedback on, by how similar what they
    offer is: up for "interesting" (or an accepted introduction), down for "not relevant".

    The rated partners themselves keep their score: the verdict says what the organisation
    thinks of that partner already, and lifting the pair it marked would only show it its own
    click back as a better match. However many partners were rated, feedback moves a score by at
    most ``similar_feedback`` either way."""
    if not len(c.feedback_rows):
        return
    adjust = scored["feedback"]
    mine = np.isin(c.feedback_rows, np.unique(i))
    rows, partners, values = c.feedback_rows[mine], c.feedback_partners[mine], c.feedback_values[mine]
    for row, partner, value in zip(rows, partners, values, strict=True):
        at = np.flatnonzero(i == row)
        if not len(at):
            continue
        similar = c.offer[j[at]] @ c.offer[partner]
        adjust[at] += value * p.similar_feedback * np.clip((similar - 0.3) / 0.7, 0, 1)
    adjust[np.isin(i * c.n + j, rows * c.n + partners)] = 0.0
    np.clip(adjust, -p.similar_feedback, p.similar_feedback, out=adjust)
    scored["flags"] |= np.where(np.abs(adjust) > 1e-6, FEEDBACK_SIMILAR, 0).astype(np.int32)
    scored["score"] = np.clip(scored["score"] + adjust, 0.0, 1.0).astype(np.float32)
