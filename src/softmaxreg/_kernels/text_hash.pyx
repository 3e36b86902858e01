# cython: language_level=3, cdivision=True
# distutils: language = c++
"""Hashed word counts of text documents, as scikit-learn's ``HashingVectorizer`` gives them.

Design
------
``HashingVectorizer.transform`` with its default analyzer lower-cases each document,
finds its tokens with the regular expression ``(?u)\\b\\w\\w+\\b`` (a list of Python
strings), encodes each token to UTF-8 (a bytes object), hashes it with MurmurHash3
(x86, 32 bits, seed 0), then builds a CSR matrix, sorts it and sums its duplicates, and
normalises its rows. On a text stream that is most of a training pass. Here each
lower-cased document is scanned once, in C, with the GIL released: a token is a maximal
run of word characters (``\\w`` of Python's ``re`` module: ``Py_UNICODE_ISALNUM(c)`` or
``c == '_'``) of at least two code points; its code points are encoded to UTF-8 into a
small buffer whose full 4-byte blocks are fed to the hash as it fills, so no Python object
is made per token and a token may be of any length. A token's hash ``h`` (signed 32-bit)
gives the column ``abs(h) % n_features`` (0 for ``h = -2**31``, whose ``abs`` overflows:
scikit-learn's rule ``(2**31 - n_features) % n_features``) and the sign ``+1`` for
``h >= 0``, else ``-1`` (with ``alternate_sign``). A document's ``(column, sign)`` keys are
sorted, runs of equal columns summed (a zero sum stays as an explicit zero, as scipy's
``sum_duplicates`` leaves it) and the row normalised as scikit-learn's
``inplace_csr_row_normalize_l1/l2`` does (sums in double, in column order; for float32
output the squares are rounded to float32 first, as scikit-learn squares float32 data).

Input contract (checked by ``softmaxreg.stream._hashing``): ``texts`` a list of ``str``
(the kernel lower-cases them itself), ``1 <= n_features < 2**31``.
"""

from cpython.unicode cimport PyUnicode_GET_LENGTH
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy
from libc.math cimport fabs, sqrt
from libcpp.algorithm cimport sort

import numpy as np

cdef extern from "Python.h":
    # Declared here with nogil: pure table lookups, safe without the GIL.
    bint Py_UNICODE_ISALNUM(uint32_t ch) nogil
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)

cpdef enum:
    # The row norms (module constants in Python too).
    NORM_NONE = 0
    NORM_L1 = 1
    NORM_L2 = 2

cdef enum:
    TOKEN_BUFFER = 64  # bytes; flushed to the hash when fewer than 4 bytes are free

cdef uint8_t _is_word_latin1[256]


cdef void _fill_word_table() noexcept:
    cdef uint32_t c
    for c in range(256):
        _is_word_latin1[c] = Py_UNICODE_ISALNUM(c) or c == 95  # 95 = '_'


_fill_word_table()


cdef inline bint _is_word(uint32_t c) noexcept nogil:
    """Python's ``re`` ``\\w`` for a code point (``_sre``'s ``SRE_UNI_IS_WORD``)."""
    if c < 256:
        return _is_word_latin1[c]
    return Py_UNICODE_ISALNUM(c)


cdef inline uint32_t _rotl(uint32_t x, int r) noexcept nogil:
    return (x << r) | (x >> (32 - r))


cdef inline uint32_t _mix_block(uint32_t h, uint32_t k) noexcept nogil:
    """One 4-byte block of MurmurHash3_x86_32 mixed into the state ``h``."""
    k *= 0xcc9e2d51u
    k = _rotl(k, 15)
    k *= 0x1b873593u
    h ^= k
    h = _rotl(h, 13)
    return h * 5u + 0xe6546b64u


cdef inline uint32_t _le32(const uint8_t* p) noexcept nogil:
    """The little-endian 32-bit word at ``p`` (MurmurHash3's block, on any host)."""
    return (<uint32_t>p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16)
            | (<uint32_t>p[3] << 24))


cdef inline uint32_t _finish(uint32_t h, const uint8_t* tail, int n_tail,
                             uint64_t length) noexcept nogil:
    """The tail (``n_tail`` < 4 bytes), the length and the final avalanche of the hash."""
    cdef uint32_t k = 0
    if n_tail == 3:
        k ^= <uint32_t>tail[2] << 16
    if n_tail >= 2:
        k ^= <uint32_t>tail[1] << 8
    if n_tail >= 1:
        k ^= <uint32_t>tail[0]
        k *= 0xcc9e2d51u
        k = _rotl(k, 15)
        k *= 0x1b873593u
        h ^= k
    h ^= <uint32_t>length  # the reference hashes an int length: its low 32 bits
    h ^= h >> 16
    h *= 0x85ebca6bu
    h ^= h >> 13
    h *= 0xc2b2ae35u
    h ^= h >> 16
    return h


cdef inline int _utf8(uint32_t c, uint8_t* out) noexcept nogil:
    """Write the UTF-8 bytes of code point ``c`` to ``out``; return their count."""
    if c < 0x80:
        out[0] = <uint8_t>c
        return 1
    if c < 0x800:
        out[0] = <uint8_t>(0xC0 | (c >> 6))
        out[1] = <uint8_t>(0x80 | (c & 0x3F))
        return 2
    if c < 0x10000:
        out[0] = <uint8_t>(0xE0 | (c >> 12))
        out[1] = <uint8_t>(0x80 | ((c >> 6) & 0x3F))
        out[2] = <uint8_t>(0x80 | (c & 0x3F))
        return 3
    out[0] = <uint8_t>(0xF0 | (c >> 18))
    out[1] = <uint8_t>(0x80 | ((c >> 12) & 0x3F))
    out[2] = <uint8_t>(0x80 | ((c >> 6) & 0x3F))
    out[3] = <uint8_t>(0x80 | (c & 0x3F))
    return 4


cdef struct Growable:
    # The output arrays and a document's keys, grown by doubling.
    uint32_t* keys
    Py_ssize_t keys_cap
    int32_t* indices
    double* values
    Py_ssize_t out_cap
    Py_ssize_t nnz


cdef int _reserve_keys(Growable* g, Py_ssize_t n) noexcept nogil:
    """Room for ``n`` keys; -1 when out of memory."""
    cdef Py_ssize_t cap = g.keys_cap
    cdef uint32_t* keys
    if n <= cap:
        return 0
    while cap < n:
        cap *= 2
    keys = <uint32_t*>realloc(g.keys, cap * sizeof(uint32_t))
    if keys == NULL:
        return -1
    g.keys, g.keys_cap = keys, cap
    return 0


cdef int _reserve_out(Growable* g, Py_ssize_t n) noexcept nogil:
    """Room for ``n`` output entries; -1 when out of memory."""
    cdef Py_ssize_t cap = g.out_cap
    cdef int32_t* indices
    cdef double* values
    if n <= cap:
        return 0
    while cap < n:
        cap *= 2
    indices = <int32_t*>realloc(g.indices, cap * sizeof(int32_t))
    if indices == NULL:
        return -1
    g.indices = indices
    values = <double*>realloc(g.values, cap * sizeof(double))
    if values == NULL:
        return -1
    g.values, g.out_cap = values, cap
    return 0


cdef inline uint32_t _key(uint32_t h, uint32_t n_features, uint32_t mask) noexcept nogil:
    """``column << 1 | (h < 0)`` of a token's hash: sorting the keys sorts the columns.

    The column is ``abs(h) % n_features``, with ``abs(-2**31) = 2**31`` here: scikit-learn
    special-cases that hash as ``(2**31 - n_features) % n_features``, the same number.
    ``mask`` is ``n_features - 1`` when ``n_features`` is a power of two, else 0.
    """
    cdef int32_t s = <int32_t>h
    cdef uint32_t magnitude = (0u - h) if s < 0 else h
    cdef uint32_t column
    if mask:
        column = magnitude & mask
    else:
        column = magnitude % n_features
    return (column << 1) | <uint32_t>(s < 0)  # column < 2**31


ctypedef fused code_unit:
    # The storage of a str's code points: PEP 393's 1-, 2- and 4-byte kinds.
    uint8_t
    uint16_t
    uint32_t


cdef Py_ssize_t _document_keys(const code_unit* text, Py_ssize_t length, uint32_t n_features,
                               uint32_t mask, Growable* g) noexcept nogil:
    """Fill ``g.keys`` with the keys of the document's tokens; return their count (-1: no memory).

    A document of ``length`` code points has at most ``(length + 1) // 3`` tokens (two
    word characters each, one separator between two), so one reservation suffices.
    """
    cdef Py_ssize_t i = 0, start, n_keys = 0
    cdef uint32_t c
    cdef uint8_t buffer[TOKEN_BUFFER]
    cdef int filled, b
    cdef uint32_t h
    cdef uint64_t n_bytes
    if _reserve_keys(g, (length + 1) // 3 + 1) < 0:
        return -1
    while i < length:
        c = text[i]
        i += 1
        if not _is_word(c):
            continue
        # A run of word characters: bytes into the buffer, full blocks into the hash.
        start = i - 1
        h = 0
        filled = 0
        n_bytes = 0
        while True:
            if filled > TOKEN_BUFFER - 4:
                for b in range(0, filled - 3, 4):
                    h = _mix_block(h, _le32(buffer + b))
                n_bytes += filled - filled % 4
                b = filled % 4
                memcpy(buffer, buffer + filled - b, b)
                filled = b
            if c < 0x80:
                buffer[filled] = <uint8_t>c
                filled += 1
            else:
                filled += _utf8(c, buffer + filled)
            if i == length:
                break
            c = text[i]
            if not _is_word(c):
                break
            i += 1
        if i - start < 2:
            continue
        for b in range(0, filled - 3, 4):
            h = _mix_block(h, _le32(buffer + b))
        b = filled - filled % 4
        h = _finish(h, buffer + b, filled % 4, n_bytes + filled)
        g.keys[n_keys] = _key(h, n_features, mask)
        n_keys += 1
    return n_keys


cdef Py_ssize_t _keys_of(int kind, const void* data, Py_ssize_t length, uint32_t n_features,
                         uint32_t mask, Growable* g) noexcept nogil:
    """``_document_keys`` on a str's storage of kind 1, 2 or 4 bytes per code point."""
    if kind == 1:
        return _document_keys(<const uint8_t*>data, length, n_features, mask, g)
    if kind == 2:
        return _document_keys(<const uint16_t*>data, length, n_features, mask, g)
    return _document_keys(<const uint32_t*>data, length, n_features, mask, g)


cdef int _add_row(Growable* g, Py_ssize_t n_keys, bint alternate_sign, int norm,
                  bint single) noexcept nogil:
    """Sort the keys, sum equal columns into ``g``'s output, normalise the row."""
    cdef Py_ssize_t j, first = g.nnz, nnz = g.nnz
    cdef uint32_t column
    cdef double value, total = 0.0
    cdef float v32
    if n_keys == 0:
        return 0
    sort(g.keys, g.keys + n_keys)
    if _reserve_out(g, g.nnz + n_keys) < 0:
        return -1
    j = 0
    while j < n_keys:
        column = g.keys[j] >> 1
        value = 0.0
        while j < n_keys and g.keys[j] >> 1 == column:
            value += -1.0 if (alternate_sign and g.keys[j] & 1) else 1.0
            j += 1
        g.indices[nnz] = <int32_t>column
        g.values[nnz] = value
        nnz += 1
    g.nnz = nnz
    if norm == NORM_NONE:
        return 0
    # np.sum(np.abs(row)) or np.sqrt(np.sum(row**2)), summed in column order
    for j in range(first, nnz):
        value = g.values[j]
        if norm == NORM_L1:
            total += fabs(value)
        elif single:
            v32 = <float>value
            total += v32 * v32
        else:
            total += value * value
    if total == 0.0:
        return 0
    if norm == NORM_L2:
        total = sqrt(total)
    for j in range(first, nnz):
        g.values[j] /= total
    return 0


def hash_texts(list texts, Py_ssize_t n_features, bint alternate_sign, int norm,
               bint single):
    """CSR arrays of the hashed, lower-cased word counts of ``texts``.

    ``HashingVectorizer(n_features=n_features, alternate_sign=alternate_sign, norm=...)
    .transform(texts)`` with the default analyzer, as arrays.

    Parameters
    ----------
    texts : list of str
        The documents. A non-``str`` item raises ``TypeError``.
    n_features : int
        Number of columns, in ``[1, 2**31)``.
    alternate_sign : bool
        Sign of each token's count from its hash (scikit-learn's default) or always +1.
    norm : int
        ``NORM_NONE``, ``NORM_L1`` or ``NORM_L2``.
    single : bool
        The caller stores the values as float32: square them in float32 for the L2 norm.

    Returns
    -------
    data : ndarray of shape (nnz,), float64
        Each row's summed signs, normalised; rounding to float32 afterwards gives
        scikit-learn's float32 values.
    indices : ndarray of shape (nnz,), int32
        Columns, increasing within each row.
    indptr : ndarray of shape (len(texts) + 1,), int64
    """
    cdef Py_ssize_t n = len(texts), i, n_keys
    cdef Py_ssize_t total = 0
    cdef list lowered = [None] * n
    cdef int* kinds = NULL
    cdef const void** datas = NULL
    cdef Py_ssize_t* lengths = NULL
    cdef Growable g
    cdef uint32_t mask = <uint32_t>(n_features - 1) if n_features & (n_features - 1) == 0 else 0
    cdef int status = 0
    cdef int64_t[::1] indptr = np.zeros(n + 1, dtype=np.int64)
    cdef double[::1] data_view
    cdef int32_t[::1] indices_view
    for i in range(n):
        text = texts[i]
        if not isinstance(text, str):
            raise TypeError(
                f"document {i} is a {type(text).__name__}, not a str."
            )
        lowered[i] = text.lower()
    g.keys = NULL
    g.indices = NULL
    g.values = NULL
    g.keys_cap, g.out_cap, g.nnz = 256, 4096, 0
    try:
        kinds = <int*>malloc(max(n, 1) * sizeof(int))
        datas = <const void**>malloc(max(n, 1) * sizeof(void*))
        lengths = <Py_ssize_t*>malloc(max(n, 1) * sizeof(Py_ssize_t))
        g.keys = <uint32_t*>malloc(g.keys_cap * sizeof(uint32_t))
        g.indices = <int32_t*>malloc(g.out_cap * sizeof(int32_t))
        g.values = <double*>malloc(g.out_cap * sizeof(double))
        if (kinds == NULL or datas == NULL or lengths == NULL or g.keys == NULL
                or g.indices == NULL or g.values == NULL):
            raise MemoryError()
        for i in range(n):
            text = lowered[i]
            kinds[i] = PyUnicode_KIND(text)
            datas[i] = PyUnicode_DATA(text)
            lengths[i] = PyUnicode_GET_LENGTH(text)
        with nogil:
            for i in range(n):
                n_keys = _keys_of(kinds[i], datas[i], lengths[i], n_features, mask, &g)
                if n_keys < 0 or _add_row(&g, n_keys, alternate_sign, norm, single) < 0:
                    status = -1
                    break
                indptr[i + 1] = g.nnz
        if status < 0:
            raise MemoryError()
        total = g.nnz
        data = np.empty(total, dtype=np.float64)
        indices = np.empty(total, dtype=np.int32)
        if total:
            data_view = data
            indices_view = indices
            memcpy(&data_view[0], g.values, total * sizeof(double))
            memcpy(&indices_view[0], g.indices, total * sizeof(int32_t))
        return data, indices, np.asarray(indptr)
    finally:
        free(kinds)
        free(datas)
        free(lengths)
        free(g.keys)
        free(g.indices)
        free(g.values)
