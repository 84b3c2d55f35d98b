"""What the CPU running this process supports (for __init__.py's choice of kernels)."""

cdef extern from *:
    """
    /* LM_SIMD_V3 / LM_SIMD_V4 are defined when the x86-64-v3 / x86-64-v4
       kernel modules were built (meson.build): only then is the question
       asked. */
    static int lm_cpu_x86_64_v3(void) {
    #if defined(LM_SIMD_V3)
        __builtin_cpu_init();
        return __builtin_cpu_supports("x86-64-v3") != 0;
    #else
        return 0;
    #endif
    }
    static int lm_built_x86_64_v3(void) {
    #if defined(LM_SIMD_V3)
        return 1;
    #else
        return 0;
    #endif
    }
    static int lm_cpu_x86_64_v4(void) {
    #if defined(LM_SIMD_V4)
        __builtin_cpu_init();
        return __builtin_cpu_supports("x86-64-v4") != 0;
    #else
        return 0;
    #endif
    }
    static int lm_built_x86_64_v4(void) {
    #if defined(LM_SIMD_V4)
        return 1;
    #else
        return 0;
    #endif
    }
    """
    int lm_cpu_x86_64_v3() noexcept nogil
    int lm_built_x86_64_v3() noexcept nogil
    int lm_cpu_x86_64_v4() noexcept nogil
    int lm_built_x86_64_v4() noexcept nogil


def cpu_x86_64_v3():
    """Return True if the CPU (and OS) support x86-64-v3 (AVX2, FMA, BMI2, ...)
    and this build has x86-64-v3 kernels; False otherwise."""
    return bool(lm_cpu_x86_64_v3())


def built_x86_64_v3():
    """Return True if this build has the x86-64-v3 copies of the kernel modules."""
    return bool(lm_built_x86_64_v3())


def cpu_x86_64_v4():
    """Return True if the CPU (and OS) support x86-64-v4 (AVX-512 F, BW, CD,
    DQ, VL) and this build has x86-64-v4 kernels; False otherwise."""
    return bool(lm_cpu_x86_64_v4())


def built_x86_64_v4():
    """Return True if this build has the x86-64-v4 copies of the kernel modules."""
    return bool(lm_built_x86_64_v4())
