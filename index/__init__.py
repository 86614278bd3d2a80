"""Knowledge side of xunda: loading, chunking, embedding, storing and searching Chinese news.

Never imports `bot` or `telegram`; the conversation side calls in through `index.search` and `index.store`.
"""
