"""cfn-catalog: a catalog of production-grade CloudFormation templates."""

__version__ = "0.1.0"
