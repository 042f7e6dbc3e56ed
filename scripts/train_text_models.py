"""Train the text models that ship in ``pantau/transform/text/models/`` (and the word counts).

    .venv/bin/python scripts/train_text_models.py            # every shipped model
    .venv/bin/python scripts/train_text_models.py --only sentiment
    .venv/bin/python scripts/train_text_models.py --only words   # lexicon/word_counts.tsv
    .venv/bin/python scripts/train_text_models.py --only topic   # after editing the taxonomy seed

The code is :mod:`pantau.transform.text.train` (``pantau train`` writes new versions with the
analysts' corrections into the state directory instead).
"""

from pantau.transform.text.train import main

if __name__ == "__main__":
    main()
