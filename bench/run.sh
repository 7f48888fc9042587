#!/bin/bash
echo bench
