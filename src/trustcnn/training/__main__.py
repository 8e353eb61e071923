"""``python -m trustcnn.training``: the command :mod:`trustcnn.torchrun` runs, under its older name."""

from trustcnn.torchrun import main

if __name__ == "__main__":
    main()
