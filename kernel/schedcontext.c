/* Placeholder: every invocation is refused until the object lands. */
#include "objects.h"

struct atoll_error_detail schedcontext_invoke(OBJECT_INVOKE_ARGS)
{
    (void)caller;
    (void)slot;
    (void)label;
    (void)words;
    (void)length;
    (void)extra;
    (void)extra_count;
    (void)reply;
    *reply_length = 0;
    return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
}

struct atoll_error_detail schedcontrol_invoke(OBJECT_INVOKE_ARGS)
{
    (void)caller;
    (void)slot;
    (void)label;
    (void)words;
    (void)length;
    (void)extra;
    (void)extra_count;
    (void)reply;
    *reply_length = 0;
    return cap_error(ATOLL_ERR_ILLEGAL_OPERATION, 0);
}
