// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aio_attr - C++20 library over the /dev/aio_attr ABI
 * (include/uapi/linux/aio_attr.h).  Everything lives in namespace aio_attr.
 */
#pragma once

#include "attr.hpp"
#include "context.hpp"
#include "error.hpp"
#include "ring.hpp"
#include "sqe.hpp"
#include "unique_fd.hpp"
