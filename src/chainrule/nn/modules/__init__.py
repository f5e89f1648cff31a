"""Layer classes, one family a file."""
from .linear import Identity, Linear
from .flatten import Flatten, Unflatten
from .activation import (Sigmoid, Tanh, ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Softplus, Softmax, LogSoftmax,
                         LogSigmoid, Hardtanh)
from .container import Sequential, ModuleList, ModuleDict
from .dropout import Dropout
from .normalization import BatchNorm1d, LayerNorm
from .sparse import Embedding
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                      AdaptiveMaxPool1d, AdaptiveMaxPool2d)
from .fold import Fold, Unfold
from .padding import (ConstantPad1d, ConstantPad2d, ZeroPad1d, ZeroPad2d, ReflectionPad1d, ReflectionPad2d,
                      ReplicationPad1d, ReplicationPad2d, CircularPad1d, CircularPad2d)
from .normalization import BatchNorm2d, GroupNorm
from .dropout import Dropout1d, Dropout2d
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
                   NLLLoss)

__all__ = ["Identity", "Linear", "Flatten", "Unflatten", "Sigmoid", "Tanh", "ReLU", "ReLU6", "LeakyReLU", "ELU",
           "GELU", "SiLU", "Softplus", "Softmax", "LogSoftmax", "LogSigmoid", "Hardtanh", "Sequential", "ModuleList",
           "ModuleDict", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding", "MSELoss", "L1Loss", "SmoothL1Loss",
           "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: E402

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
from .attention import MultiheadAttention, NonDynamicallyQuantizableLinear  # noqa: E402
from .transformer import TransformerEncoderLayer, TransformerEncoder  # noqa: E402

__all__ += ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "TransformerEncoderLayer", "TransformerEncoder"]
__all__ += ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d",
            "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d",
            "AdaptiveMaxPool2d", "Fold", "Unfold", "ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d",
            "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
            "CircularPad2d", "BatchNorm2d", "GroupNorm", "Dropout1d", "Dropout2d"]
