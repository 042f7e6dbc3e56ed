"""Train the text models that ship in ``pantau/transform/text/models/`` (and the word counts).

    .venv/bin/python scripts/train_text_models.py            # every shipped model
    .venv/bin/python scripts/train_text_models.py --only sentiment
    .venv/bin/python scripts/train_text_models.py --only words   # lexicon/word_counts.tsv
    .venv/bin/python scripts/train_text_models.py --only topic   # after editing the taxonomy seed

The code is :mod:`pantau.transform.text.train` (``pantau train`` writes new versions with the
analysts' corrections into the state directory instead).
"""

import os

# One BLAS thread, set before numpy loads: training is many small sparse-dense products, which run
# about three times faster on one thread than on a pool (the topic model: 17 s against about 60 s
# on the 2-core machine the models were trained on). The weights are the same up to
# floating-point summation order.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pantau.transform.text.train import main

if __name__ == "__main__":
    main()
