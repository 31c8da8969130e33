/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * On-disk constants of kmod's binary indexes, shared by the reader
 * (libkmod-index.c) and the writer (libkmod-index-write.c).
 */

#define INDEX_MAGIC 0xB007F457U
#define INDEX_VERSION_MAJOR 0x0002U
#define INDEX_VERSION_MINOR 0x0001U
#define INDEX_VERSION (INDEX_VERSION_MAJOR << 16 | INDEX_VERSION_MINOR)
#define INDEX_HEADER_SIZE 12U

#define NODE_PREFIX 0x80000000U
#define NODE_VALUES 0x40000000U
#define NODE_CHILDS 0x20000000U
#define NODE_OFFSET_MASK 0x0FFFFFFFU

/* Keys are 7-bit ASCII, so child tables never go beyond this character. */
#define CHILD_MAX 127U
