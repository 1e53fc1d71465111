"""watchfloor: reports on armed groups and political violence -> a sourced knowledge base."""

__version__ = "0.1.0"
