"""Kept so wrappers written as ``from hayhooks.server.utils.base_pipeline_wrapper import BasePipelineWrapper``
keep working."""

from hayhooks.pipelines.wrapper import BasePipelineWrapper

__all__ = ["BasePipelineWrapper"]
