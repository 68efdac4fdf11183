"""carekg's benchmarks, installed as ``carekg.bench`` so that ``carekg bench`` can run them.

Each module also stays a script (``python bench/scale.py ...``). Nothing is imported here:
the benchmark modules pull in the whole pipeline, and ``carekg --help`` must stay fast.
"""
