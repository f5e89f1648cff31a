"""Layer classes, one family a file."""
from .linear import Identity, Linear
from .flatten import Flatten, Unflatten
from .activation import (Sigmoid, Tanh, ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Softplus, Softmax, LogSoftmax,
                         LogSigmoid, Hardtanh)
from .container import Sequential, ModuleList, ModuleDict
from .dropout import Dropout
from .normalization import BatchNorm1d, LayerNorm
from .sparse import Embedding
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
                   NLLLoss)

__all__ = ["Identity", "Linear", "Flatten", "Unflatten", "Sigmoid", "Tanh", "ReLU", "ReLU6", "LeakyReLU", "ELU",
           "GELU", "SiLU", "Softplus", "Softmax", "LogSoftmax", "LogSigmoid", "Hardtanh", "Sequential", "ModuleList",
           "ModuleDict", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding", "MSELoss", "L1Loss", "SmoothL1Loss",
           "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
from .attention import MultiheadAttention, NonDynamicallyQuantizableLinear
from .transformer import TransformerEncoderLayer, TransformerEncoder

__all__ += ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "TransformerEncoderLayer", "TransformerEncoder"]
