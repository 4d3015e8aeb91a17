"""The lexical model of a corpus: TF-IDF over words and character n-grams (so that "Kühlkette" and
"Kühlkettenlogistik" meet), reduced by truncated SVD (latent semantic analysis) to a few
dimensions, so that the lexical signal joins the embeddings in one matrix product. No Django here.

The terms are those of scikit-learn's ``TfidfVectorizer`` with ``strip_accents="unicode"`` (words
of two or more letters) and with ``analyzer="char_wb", ngram_range=(4, 5)``, both lowercased; the
weights are its ``TfidfTransformer``'s (sublinear term frequency, smoothed idf, unit rows). Only the
counting is the model's own, for speed: every term of both kinds lies within one
whitespace-separated chunk of a text, so a chunk's terms are worked out once, the first time the
chunk is seen, as a row of a sparse chunk × term matrix; a slice of texts becomes a sparse
text × chunk matrix, and its term counts are the product of the two. Analysing every text anew
took most of a real preparation (32 of 97 s at 50,000 organisations)."""

from __future__ import annotations

import re
from array import array

import numpy as np
from scipy import sparse

from matchmaking.engine.arrays import unit_rows

WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's token_pattern
GRAMS = (4, 5)


def word_terms(chunk: str) -> list[str]:
    """The words of a lowercased chunk, without accents (scikit-learn's word analyzer)."""
    from sklearn.feature_extraction.text import strip_accents_unicode

    return WORD.findall(strip_accents_unicode(chunk))


def char_terms(chunk: str) -> list[str]:
    """The character n-grams of a lowercased chunk padded with a space on each side, of each
    length in ``GRAMS``; a padded chunk no longer than a length gives itself once and no longer
    grams (scikit-learn's ``char_wb`` analyzer on one word)."""
    padded = f" {chunk} "
    grams = []
    for n in range(GRAMS[0], GRAMS[1] + 1):
        grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
        if len(padded) <= n:
            break
    return grams


ANALYSERS = {"word": word_terms, "char": char_terms}


class Chunks:
    """Texts as rows of a sparse text × chunk count matrix, the chunks (lowercased,
    whitespace-separated) numbered in the order first seen, and per kind of term the chunks' terms
    as found once (``Terms.counts``). A ``LexicalModel`` keeps one across the slices it transforms
    and starts a new one past ``LIMIT`` chunks."""

    LIMIT = 500_000

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.names: list[str] = []
        # kind -> [term columns of every chunk, one after the other; their number per chunk; the
        # chunk × term matrix of them, or None when chunks were added since]
        self.terms: dict[str, list] = {}
        self._indices = np.zeros(0, dtype=np.int64)
        self._indptr = np.zeros(1, dtype=np.int64)

    def read(self, texts: list[str]) -> Chunks:
        """Takes ``texts`` as the current rows (their chunks added to the numbering)."""
        ids, names = self.ids, self.names
        found, lengths = array("q"), array("q")
        for text in texts:
            row = text.lower().split()
            for chunk in row:
                number = ids.get(chunk)
                if number is None:
                    number = ids[chunk] = len(names)
                    names.append(chunk)
                found.append(number)
            lengths.append(len(row))
        self._indices = np.frombuffer(found, dtype=np.int64) if found else np.zeros(0, dtype=np.int64)
        self._indptr = (
            np.concatenate([[0], np.cumsum(np.frombuffer(lengths, dtype=np.int64))])
            if lengths
            else np.zeros(1, dtype=np.int64)
        )
        return self

    def matrix(self) -> sparse.csr_matrix:
        """The current texts × every chunk numbered."""
        rows = len(self._indptr) - 1
        matrix = sparse.csr_matrix(
            (np.ones(len(self._indices)), self._indices, self._indptr), shape=(rows, len(self.names))
        )
        matrix.sum_duplicates()
        return matrix


class Terms:
    """One kind of term ("word" or "char"): its vocabulary (term -> column, in the sorted order
    scikit-learn gives its columns) and TF-IDF weights (a fitted ``TfidfTransformer``)."""

    def __init__(self, kind: str, vocabulary: dict[str, int], tfidf):
        self.kind = kind
        self.vocabulary = vocabulary
        self.tfidf = tfidf

    @classmethod
    def fit(cls, kind: str, chunks: Chunks) -> Terms | None:
        """Terms fitted on the texts of ``chunks``; None when they have no term of this kind."""
        from sklearn.feature_extraction.text import TfidfTransformer

        analyse = ANALYSERS[kind]
        found = sorted({term for chunk in chunks.names for term in analyse(chunk)})
        if not found:
            return None
        terms = cls(kind, {term: column for column, term in enumerate(found)}, TfidfTransformer(sublinear_tf=True))
        terms.tfidf.fit(terms.counts(chunks))
        return terms

    def counts(self, chunks: Chunks) -> sparse.csr_matrix:
        """Text × term counts of the current texts of ``chunks``: the chunks not analysed yet are
        analysed, once."""
        analyse, columns = ANALYSERS[self.kind], self.vocabulary
        indices, lengths, matrix = chunks.terms.setdefault(self.kind, [array("q"), array("q"), None])
        for chunk in chunks.names[len(lengths) :]:
            found = [columns[t] for t in analyse(chunk) if t in columns]
            indices.extend(found)
            lengths.append(len(found))
            matrix = None
        if matrix is None:
            indptr = (
                np.concatenate([[0], np.cumsum(np.frombuffer(lengths, dtype=np.int64))])
                if lengths
                else np.zeros(1, dtype=np.int64)
            )
            flat = np.frombuffer(indices, dtype=np.int64).copy() if indices else np.zeros(0, dtype=np.int64)
            matrix = sparse.csr_matrix((np.ones(len(flat)), flat, indptr), shape=(len(lengths), len(columns)))
            matrix.sum_duplicates()
            chunks.terms[self.kind][2] = matrix
        return (chunks.matrix() @ matrix).tocsr()

    def weighted(self, chunks: Chunks) -> sparse.csr_matrix:
        return self.tfidf.transform(self.counts(chunks))


class LexicalModel:
    """Fitted on a corpus's texts, or on those of a sample of its organisations
    (``building.fit_sample``);
    texts are transformed ``STEP`` at a time, the corpus's and later ones (an organisation that
    changed) with the same fit."""

    STEP = 5_000

    def __init__(self, dims: int = 64, seed: int = 0):
        self.dims = dims
        self.seed = seed
        self.terms: list[Terms] = []  # the fitted kinds: a corpus of numbers and dashes has no words
        self.svd = None
        self._chunks = Chunks()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_chunks", None)
        return state

    def __setstate__(self, state):
        if "vectorizers" in state:  # an earlier snapshot: scikit-learn's vectorizers, as terms
            state["terms"] = [_terms_of(v) for v in state.pop("vectorizers")]
        self.__dict__.update(state)
        self._chunks = Chunks()

    def fit(self, texts: list[str]) -> LexicalModel:
        from scipy.sparse import hstack
        from sklearn.decomposition import TruncatedSVD

        chunks = Chunks().read(texts)
        self.terms = [t for t in (Terms.fit(kind, chunks) for kind in ANALYSERS) if t is not None]
        self.svd = None
        if self.terms:
            matrix = hstack([t.weighted(chunks) for t in self.terms]).tocsr()
            k = min(self.dims, matrix.shape[1] - 1, matrix.shape[0] - 1)
            if k >= 2:
                self.svd = TruncatedSVD(n_components=k, random_state=self.seed).fit(matrix)
        self._chunks = Chunks()
        return self

    def forget(self) -> None:
        """Lets go of the chunks seen so far (after a corpus is built: they are only worth keeping
        while its batches come)."""
        self._chunks = Chunks()

    def fit_transform(self, texts: list[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)

    def transform(self, texts: list[str]) -> np.ndarray:
        from scipy.sparse import hstack

        if not self.terms:
            return np.zeros((len(texts), 1), dtype=np.float32)
        if len(self._chunks.names) > Chunks.LIMIT:
            self._chunks = Chunks()
        parts = []
        for start in range(0, len(texts), self.STEP):
            some = texts[start : start + self.STEP]
            chunks = self._chunks.read(some)
            matrix = hstack([t.weighted(chunks) for t in self.terms]).tocsr()
            dense = self.svd.transform(matrix) if self.svd is not None else matrix.toarray()
            parts.append(_finish(dense, some))
        return np.concatenate(parts) if parts else np.zeros((0, self.width), dtype=np.float32)

    @property
    def width(self) -> int:
        """The columns of the transformed texts."""
        if self.svd is not None:
            return self.svd.n_components
        return sum(len(t.vocabulary) for t in self.terms) or 1


def _finish(dense: np.ndarray, texts: list[str]) -> np.ndarray:
    dense = dense.astype(np.float32)
    dense[np.asarray([not t.strip() for t in texts], dtype=bool)] = 0
    return unit_rows(dense)


def _terms_of(vectorizer) -> Terms:
    """The terms of a fitted scikit-learn ``TfidfVectorizer`` of an earlier snapshot."""
    from sklearn.feature_extraction.text import TfidfTransformer

    tfidf = TfidfTransformer(sublinear_tf=True)
    tfidf.idf_ = vectorizer.idf_
    tfidf.n_features_in_ = len(vectorizer.idf_)
    return Terms("char" if vectorizer.analyzer == "char_wb" else "word", vectorizer.vocabulary_, tfidf)
