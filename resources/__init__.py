"""Glimpse's icons, style sheets and model configs, installed as the package `glimpse_resources`.

engine.config finds this folder with importlib.resources; in a source checkout that has not been
installed it falls back to the folder beside the engine package.
"""
