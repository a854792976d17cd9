"""jieba's accurate segmentation, computed in one pass.

jieba finds the best route through a sentence in two steps: ``get_DAG`` looks every
fragment up in the frequency table to list the words starting at each character, then
``calc`` looks the same words up again and scores the routes with a generator of tuples
per character. Segmenting is half of a full rebuild, and those two steps are most of it.
``Tokenizer`` below keeps each word's frequency from the first look-up and scores with a
plain loop: the same words, the same floating-point sums in the same order, the same ties
(the later end wins, as ``max`` over ``(score, end)`` picks) — so the same tokens, about a
quarter faster (tests/search/test_segmenter.py compares it with jieba on our corpora).
Everything else, including the HMM for unknown words and the search mode, is jieba's.

``stock_dictionary`` loads jieba's prefix dictionary from a data-only cache of our own:
jieba's cache is one ``marshal`` of the 500,000-entry dict (0.5 s, the largest part of a
web process's first search); the same words as one UTF-8 text and their frequencies as one
integer array take a third of that.
"""
import json
import logging
import sys
import tempfile
from array import array
from math import log
from pathlib import Path


def _import_jieba():
    """jieba without ``pkg_resources``: jieba imports it only to open its own data files
    and falls back to their paths without it, and importing it scans every installed
    distribution (~0.1 s of CPU, a tenth of the app's start)."""
    if "pkg_resources" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None  # makes `import pkg_resources` fail
    try:
        import jieba
        from jieba import finalseg  # noqa: F401  (imports _compat too)
    finally:
        del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()
from jieba import finalseg  # noqa: E402

from marketplace.files import write_atomically  # noqa: E402

logger = logging.getLogger(__name__)


class Tokenizer(jieba.Tokenizer):
    def best_ends(self, sentence: str) -> list[int]:
        """For each character, where the word starting there ends on the best route."""
        get = self.FREQ.get
        n = len(sentence)
        words = []
        for start in range(n):
            ends = []
            end = start
            freq = get(sentence[start])
            while freq is not None:  # a word or a prefix of one
                if freq:
                    ends.append((end, freq))
                end += 1
                if end >= n:
                    break
                freq = get(sentence[start:end + 1])
            words.append(ends or [(start, 1)])  # unknown character: a word of its own
        logtotal = log(self.total)
        score = [0.0] * (n + 1)
        best = [0] * n
        for start in range(n - 1, -1, -1):
            top = None
            for end, freq in words[start]:
                candidate = log(freq) - logtotal + score[end + 1]
                if top is None or candidate >= top:
                    top, best[start] = candidate, end
            score[start] = top
        return best

    def _Tokenizer__cut_DAG(self, sentence):
        """jieba's ``__cut_DAG`` over ``best_ends``: runs of single characters go to the
        HMM unless the run is itself a word."""
        ends = self.best_ends(sentence)
        get = self.FREQ.get
        buf = ""
        x, n = 0, len(sentence)
        while x < n:
            y = ends[x] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._single_run(buf, get)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._single_run(buf, get)

    @staticmethod
    def _single_run(buf, get):
        if len(buf) == 1:
            yield buf
        elif not get(buf):
            yield from finalseg.cut(buf)
        else:
            yield from buf


def _cache_path() -> Path:
    source = Path(jieba.__file__).with_name("dict.txt")
    stat = source.stat()
    name = f"marketplace-jieba-{jieba.__version__}-{stat.st_size}-{stat.st_mtime_ns}.freq"
    return Path(tempfile.gettempdir()) / name


def _read(path: Path) -> tuple[dict[str, int], int]:
    data = path.read_bytes()
    end = data.index(b"\n")
    header = json.loads(data[:end])
    words_end = end + 1 + header["words_bytes"]
    words = data[end + 1:words_end].decode("utf-8").split("\n")
    freqs = array("q")
    freqs.frombytes(data[words_end:])
    if not len(words) == len(freqs) == header["count"]:
        raise ValueError(f"{path}: {len(words)} words, {len(freqs)} frequencies")
    return dict(zip(words, freqs.tolist())), header["total"]


def _write(path: Path, freq: dict[str, int], total: int) -> None:
    words = "\n".join(freq).encode("utf-8")
    header = json.dumps({"count": len(freq), "total": total, "words_bytes": len(words)})
    # Readers see the whole file or none; shared by the users running web, drain and CLI.
    write_atomically(path, header.encode("ascii") + b"\n" + words
                     + array("q", freq.values()).tobytes())


def stock_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default prefix dictionary: word or prefix → frequency, and the total. Read
    from the cache when there is one; otherwise loaded by jieba and cached (best effort:
    an unwritable temporary directory only costs the faster start)."""
    path = _cache_path()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError) as error:
        logger.warning("rebuilding the segmentation dictionary cache: %s", error)
    loaded = jieba.Tokenizer()
    loaded.initialize()
    if not any("\n" in word for word in loaded.FREQ):
        try:
            _write(path, loaded.FREQ, loaded.total)
        except OSError as error:
            logger.warning("cannot cache the segmentation dictionary: %s", error)
    return loaded.FREQ, loaded.total
