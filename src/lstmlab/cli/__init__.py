"""lstmlab.cli"""
