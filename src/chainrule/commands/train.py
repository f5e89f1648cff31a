"""``chainrule train``: train a model on a built-in dataset or a CSV file, with metrics, plots and checkpoints."""
from __future__ import annotations

SUMMARY = "train a model on xor/moons/circles/spirals/digits or a CSV file: progress bar, metrics, plots, checkpoints"
EXAMPLE = ("  chainrule train --dataset moons --epochs 30 --out runs/moons\n"
           "  chainrule train model.py --dataset data.csv --lr 0.01 --out runs/csv\n"
           "  chainrule train --dataset moons --epochs 50 --out runs/moons --resume   # continue after a stop\n"
           "  chainrule train --dataset digits --arch cnn --epochs 10 --out runs/cnn   # a small conv net\n"
           "  chainrule train --dataset sequences --arch lstm --epochs 20 --out runs/lstm   # a sequence task")


def add_arguments(parser) -> None:
    from ._words import add_lang_argument
    parser.add_argument("model_file", nargs="?", help="Python or TOML model file (default: a small ReLU MLP for the data)")
    parser.add_argument("--dataset", default="moons", help="xor, moons, circles, spirals, digits, sequences or a "
                                                           ".csv path (label in the last column)")
    parser.add_argument("--arch", choices=("mlp", "cnn", "rnn", "lstm", "gru"), default="mlp",
                        help="built-in model without a model file: mlp (ReLU MLP), cnn (a small conv net on the "
                             "digits' 8×8 images), rnn/lstm/gru (a recurrent net reading the features in order)")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training data")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per step")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the data split, weights and batches")
    parser.add_argument("--optimizer", choices=("adam", "sgd", "adamw", "rmsprop"), default="adam", help="optimizer")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share held out for testing")
    parser.add_argument("--n", type=int, help="number of generated points (generated datasets; default: the dataset's own)")
    parser.add_argument("--noise", type=float, help="noise of generated datasets (default: the dataset's own)")
    parser.add_argument("--out", default="runs/train", help="folder for metrics, plots and checkpoints")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-plots", action="store_true", help="skip the matplotlib plots")
    parser.add_argument("--no-compile", action="store_true",
                        help="run the eager training loop instead of the compiled step (the numbers are the same)")
    add_lang_argument(parser, "the summary")


def run(args) -> int:
    import sys

    from ..cli import UsageError
    from ..viz import training
    from ..viz.checkpoints import CheckpointError
    from ..viz.datasets import DatasetError
    from ..viz.model_files import ModelFileError, load_model_file

    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    if not args.lr > 0:
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    if not 0 <= args.test_fraction < 1:
        raise UsageError(f"--test-fraction must be in [0, 1), got {args.test_fraction}")
    from ._needs import need
    if not args.no_plots:
        need("matplotlib", "drawing the training plots", instead="pass --no-plots").use("Agg")
    need("safetensors", "writing checkpoints (and so --resume)")
    config = training.TrainConfig(dataset=args.dataset, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                                  seed=args.seed, optimizer=args.optimizer, test_fraction=args.test_fraction,
                                  n=args.n, noise=args.noise, model_file=args.model_file, arch=args.arch)
    model = None
    if args.model_file and args.arch != "mlp":
        raise UsageError("--arch picks the built-in model; a model file brings its own: give one or the other")
    if args.model_file:
        path = args.model_file

        def model():  # built after the seed is set, so its initial weights repeat
            try:
                return load_model_file(path).model
            except ModelFileError as e:
                raise UsageError(str(e)) from None
    try:
        result = training.train(config, args.out, model=model, resume=args.resume, progress=not args.no_progress,
                                plots=not args.no_plots, log=lambda m: print(m, file=sys.stderr),
                                compile=not args.no_compile, lang=args.lang)
    except training.NonFiniteLoss as e:
        print(f"chainrule train: stopped: {e}", file=sys.stderr)
        return 1
    except (DatasetError, CheckpointError, ValueError) as e:
        raise UsageError(str(e)) from None
    except OSError as e:    # --out is a file, or a folder we may not write to
        raise UsageError(f"cannot write to --out {args.out}: {e.strerror or e}") from None
    from ._words import say
    last = result.history[-1]
    line = say(args.lang, "train.last", epoch=last["epoch"], loss=last["loss"], accuracy=last["accuracy"])
    if result.test_accuracy is not None:
        line += say(args.lang, "train.test", accuracy=result.test_accuracy)
    print(line)
    for name, path in result.files.items():
        print(f"  {name}: {path}")
    return 0
