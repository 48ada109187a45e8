"""lstmlab.models"""
